"""The link owner: one process holds the drones' links and shares them.

A drone's port serves one client (SITL's TCP ports, serial radios, ``dronepatrol sim``). The
owner (``dronepatrol fleet serve``) holds one :class:`~dronepatrol.mavlink.link.DroneLink` per
drone and re-serves each drone on a local TCP port (``127.0.0.1:14600`` for the first drone,
``+1`` for each next one, by default) that accepts any number of clients at once: our other
commands, QGroundControl, Mission Planner, MAVProxy. Everything the drone sends goes to every
client, byte for byte (the drone's own system id, sequence numbers and signatures). Every message
a client sends is parsed and re-sent through the owner's link with the client's source system and
component and its own target (so the drone answers the client's command as usual), signed with
the drone's key when the fleet file gives one.

A state file ``<runtime dir>/owner-<fleet hash>.json`` (runtime dir: ``$DRONEPATROL_RUNTIME_DIR``,
else ``$XDG_RUNTIME_DIR/dronepatrol``, else ``/tmp/dronepatrol-<uid>``; the hash covers every
drone's name, system id and connection) holds the pid, the drone ports and a control port.
:func:`find_owner` trusts it only when the pid is alive and the control port answers.
The control port speaks one JSON object per line: ``{"cmd": "status" | "record" | "stop_record" |
"stop", "dir": ...}``, answered with one JSON line.

Recording (``--record DIR``, or :func:`ensure_owner` with ``record_dir``) writes
``DIR/<UTC>/<drone>.tlog`` with both directions (what each drone sent, what the owner sent,
including what it forwarded from clients) and ``session.json``; it goes on across link loss.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dronepatrol.config import DroneConfig, FleetConfig
from dronepatrol.errors import LinkError, UsageError
from dronepatrol.fsutil import atomic_write_text
from dronepatrol.mavlink.connection import parse_endpoint
from dronepatrol.mavlink.link import DroneLink, M
from dronepatrol.mavlink.signing import drone_key
from dronepatrol.mavlink.tlog import TlogWriter

log = logging.getLogger(__name__)

DEFAULT_BASE_PORT = 14600
#: Bytes kept for a slow client before frames for it are dropped.
MAX_CLIENT_BUFFER = 1 << 20
HOST = "127.0.0.1"


# ---------------------------------------------------------------------- state file
def runtime_dir() -> Path:
    """Where owner state files live (created 0700)."""
    env = os.environ.get("DRONEPATROL_RUNTIME_DIR")
    if env:
        d = Path(env)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        d = Path(os.environ["XDG_RUNTIME_DIR"]) / "dronepatrol"
    else:
        d = Path("/tmp") / f"dronepatrol-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    d.mkdir(mode=0o700, parents=True, exist_ok=True)
    return d


def fleet_hash(fleet: FleetConfig) -> str:
    """A short hash of the fleet's drones (name, system id, connection)."""
    text = "\n".join(f"{d.name}|{d.system_id}|{d.connection}" for d in fleet.drones)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def state_path(fleet: FleetConfig) -> Path:
    return runtime_dir() / f"owner-{fleet_hash(fleet)}.json"


@dataclass(frozen=True, kw_only=True)
class OwnerInfo:
    """A running link owner: ``pid``, each drone's local TCP port, its control port,
    and the session directory it records to (``None`` when not recording)."""

    pid: int
    ports: dict[str, int]
    control_port: int
    fleet_hash: str
    state_path: str
    started_utc: str
    recording: str | None = None
    drones: tuple = ()  # ({"name", "system_id", "connection"}, ...) as served

    def connection(self, drone: str) -> str:
        """The ``tcp:`` string a client uses for ``drone``."""
        return f"tcp:{HOST}:{self.ports[drone]}"

    def port_for(self, drone: DroneConfig) -> int | None:
        """The local port serving ``drone`` (same connection and system id), if this owner serves it."""
        for d in self.drones:
            if d["connection"] == drone.connection and d["system_id"] == drone.system_id:
                return self.ports.get(d["name"])
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def control(info: OwnerInfo, request: dict[str, Any], *, timeout_s: float = 5.0) -> dict[str, Any]:
    """Send one control request to the owner; its JSON answer. :class:`LinkError` if it does not answer."""
    try:
        with socket.create_connection((HOST, info.control_port), timeout=timeout_s) as s:
            s.sendall((json.dumps(request) + "\n").encode())
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
    except OSError as exc:
        raise LinkError(f"the link owner (pid {info.pid}) does not answer on port {info.control_port}: {exc}") from None
    try:
        return json.loads(buf.decode() or "{}")
    except ValueError:
        raise LinkError(f"the link owner (pid {info.pid}) sent a garbled answer") from None


def _live(path: Path) -> OwnerInfo | None:
    try:
        data = json.loads(path.read_text())
        info = OwnerInfo(**data)
    except (OSError, ValueError, TypeError):
        return None
    if not _pid_alive(info.pid):
        return None
    try:
        answer = control(info, {"cmd": "status"}, timeout_s=2.0)
    except LinkError:
        return None
    if not answer.get("ok"):
        return None
    return OwnerInfo(**{**data, "recording": answer.get("recording")})


def find_owner(fleet: FleetConfig, names: Sequence[str] | None = None) -> OwnerInfo | None:
    """The live link owner serving ``fleet`` (state file + pid alive + control port answers), or None.

    With ``names``, an owner started for another fleet file also serves, if it holds each of
    those drones (same connection and system id).
    """
    info = _live(state_path(fleet))
    if info is not None and info.fleet_hash == fleet_hash(fleet):
        return info
    if names is None:
        return None
    wanted = [d for d in fleet.drones if d.name in set(names)]
    for path in sorted(runtime_dir().glob("owner-*.json")):
        if path == state_path(fleet):
            continue
        other = _live(path)
        if other is not None and wanted and all(other.port_for(d) is not None for d in wanted):
            return other
    return None


# ---------------------------------------------------------------------- recording
def utc_stamp(t: float | None = None) -> str:
    """``20261201T231500Z`` for UNIX time ``t`` (default now)."""
    return dt.datetime.fromtimestamp(time.time() if t is None else t, dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Recorder:
    """One recording session: ``<dir>/<UTC>/<drone>.tlog`` (both directions) and ``session.json``."""

    def __init__(self, root: Path, drones: list[DroneConfig]) -> None:
        from dronepatrol import __version__

        self.started = time.time()
        base = Path(root) / utc_stamp(self.started)
        path, n = base, 1
        while path.exists():  # two sessions in one second: never append to another session
            n += 1
            path = base.with_name(f"{base.name}-{n}")
        self.dir = path
        self.dir.mkdir(parents=True)
        self.writers = {d.name: TlogWriter(self.dir / f"{d.name}.tlog") for d in drones}
        self.taps = {d.name: self._tap(d.name) for d in drones}
        self.session = {
            "drones": [{"name": d.name, "system_id": d.system_id, "connection": d.connection,
                        "tlog": f"{d.name}.tlog"} for d in drones],
            "start_utc": _iso(self.started),
            "end_utc": None,
            "dronepatrol_version": __version__,
            "directions": "both (drone to ground and ground to drone)",
        }
        self._write_session()

    def _write_session(self) -> None:
        atomic_write_text(self.dir / "session.json", json.dumps(self.session, indent=2) + "\n")

    def _tap(self, drone: str):
        writer = self.writers[drone]

        def record(_direction: str, raw: bytes, _msg: Any) -> None:
            writer.write(raw)

        return record

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        self.session["end_utc"] = _iso(time.time())
        self.session["records"] = {name: w.records for name, w in self.writers.items()}
        self.session["plans"] = self._plans()
        self._write_session()

    def _plans(self) -> dict[str, dict[str, Any]]:
        """The verified upload on record for each drone of the session (``fleet upload``), if known."""
        import contextlib

        from dronepatrol.mavlink.fleetops import load_uploads

        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            records = load_uploads()
            return {name: {"plan": r.plan, "uploaded_utc": r.uploaded_utc, "counts": r.counts}
                    for name, r in records.items() if name in self.writers}
        return {}


# ---------------------------------------------------------------------- the owner
@dataclass(eq=False)
class _Client:
    sock: socket.socket
    drone: str
    parser: Any
    out: bytearray = field(default_factory=bytearray)
    dropped: int = 0


class LinkOwner:
    """Hold the fleet's links and re-serve each drone on a local TCP port.

    ``base_port`` 0 picks free ports (tests); otherwise drone ``i`` gets ``base_port + i`` (a
    taken port falls back to a free one: the state file says which). ``write_state`` False keeps
    the owner out of the runtime directory (it is then private to this process).
    """

    def __init__(self, fleet: FleetConfig, *, base_port: int = DEFAULT_BASE_PORT, host: str = HOST,
                 record_dir: Path | None = None, write_state: bool = True) -> None:
        for d in fleet.drones:
            parse_endpoint(d.connection, drone=d.name)
        self.fleet = fleet
        self.host = host
        self.write_state = write_state
        self._sel = selectors.DefaultSelector()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self.done = threading.Event()  # set when serving has ended and everything is closed
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, ("wake", None))
        self.listeners: dict[str, socket.socket] = {}
        self.clients: list[_Client] = []
        self.links: dict[str, DroneLink] = {}
        self.recorder: Recorder | None = None
        self.started_utc = _iso(time.time())
        self._thread: threading.Thread | None = None
        try:
            for i, d in enumerate(fleet.drones):
                self.listeners[d.name] = self._listen(0 if base_port == 0 else base_port + i, d.name)
                self._sel.register(self.listeners[d.name], selectors.EVENT_READ, ("accept", d.name))
            self.control_sock = self._listen(0, "control")
            self._sel.register(self.control_sock, selectors.EVENT_READ, ("control", None))
            for d in fleet.drones:
                key, ts_path = drone_key(fleet, d)
                link = DroneLink(name=d.name, system_id=d.system_id, connection=d.connection,
                                 signing_key=key, timestamp_path=ts_path, start=False)
                link.add_tap(self._forwarder(d.name))
                self.links[d.name] = link
            if record_dir is not None:  # before the links start: the recording misses nothing
                self.start_recording(record_dir)
            for link in self.links.values():
                link.start()
        except BaseException:
            self._close_all()
            raise

    def _listen(self, port: int, what: str) -> socket.socket:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((self.host, port))
        except OSError:
            if port == 0:
                s.close()
                raise
            log.warning("%s: port %d is taken; serving on a free port instead", what, port)
            s.bind((self.host, 0))
        s.listen(16)
        s.setblocking(False)
        return s

    # ------------------------------------------------------------------ info
    @property
    def ports(self) -> dict[str, int]:
        return {name: s.getsockname()[1] for name, s in self.listeners.items()}

    @property
    def info(self) -> OwnerInfo:
        return OwnerInfo(pid=os.getpid(), ports=self.ports, control_port=self.control_sock.getsockname()[1],
                         fleet_hash=fleet_hash(self.fleet), state_path=str(state_path(self.fleet)),
                         started_utc=self.started_utc,
                         recording=str(self.recorder.dir) if self.recorder else None,
                         drones=tuple({"name": d.name, "system_id": d.system_id, "connection": d.connection}
                                      for d in self.fleet.drones))

    def _publish(self) -> None:
        if self.write_state and not self._stop.is_set():
            info = self.info
            atomic_write_text(info.state_path, json.dumps(asdict(info), indent=2) + "\n")

    def _unpublish(self) -> None:
        if not self.write_state:
            return
        path = state_path(self.fleet)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()

    # ------------------------------------------------------------------ recording
    def start_recording(self, root: Path) -> Path:
        """Record every link (both directions) into a new session under ``root``; its directory.
        Already recording: the current session goes on (its directory is returned)."""
        with self._lock:
            if self.recorder is not None:
                return self.recorder.dir
            rec = Recorder(Path(root), list(self.fleet.drones))
            for name, link in self.links.items():
                link.add_tap(rec.taps[name])
            self.recorder = rec
        self._publish()
        log.info("recording to %s", rec.dir)
        return rec.dir

    def stop_recording(self) -> Path | None:
        with self._lock:
            rec, self.recorder = self.recorder, None
        if rec is None:
            return None
        for name, link in self.links.items():
            link.remove_tap(rec.taps[name])
        rec.close()
        self._publish()
        return rec.dir

    # ------------------------------------------------------------------ forwarding
    def _forwarder(self, drone: str):
        def forward(direction: str, raw: bytes, _msg: Any) -> None:
            if direction != "in":
                return
            with self._lock:
                wake = False
                for c in self.clients:
                    if c.drone != drone:
                        continue
                    if len(c.out) + len(raw) > MAX_CLIENT_BUFFER:
                        c.dropped += 1
                        continue
                    c.out += raw
                    wake = True
            if wake:
                with contextlib.suppress(BlockingIOError, OSError):
                    self._wake_w.send(b"x")

        return forward

    def _accept(self, drone: str) -> None:
        try:
            sock, addr = self.listeners[drone].accept()
        except (BlockingIOError, InterruptedError):
            return
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        parser = M.MAVLink(None, srcSystem=0, srcComponent=0)
        parser.robust_parsing = True
        client = _Client(sock=sock, drone=drone, parser=parser)
        with self._lock:
            self.clients.append(client)
        self._sel.register(sock, selectors.EVENT_READ, ("client", client))
        log.info("%s: client %s:%d attached", drone, *addr[:2])

    def _drop_client(self, c: _Client) -> None:
        with self._lock:
            if c in self.clients:
                self.clients.remove(c)
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(c.sock)
        c.sock.close()

    def _read_client(self, c: _Client) -> None:
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop_client(c)
            return
        try:
            msgs = c.parser.parse_buffer(data) or []
        except Exception:
            c.parser.buf = bytearray()
            c.parser.buf_index = 0
            return
        link = self.links[c.drone]
        for msg in msgs:
            if msg.get_type() == "BAD_DATA":
                continue
            try:
                link.forward(msg)
            except Exception as exc:  # a message pymavlink cannot re-pack: drop it, keep the client
                log.debug("%s: cannot forward %s: %s", c.drone, msg.get_type(), exc)

    def _flush(self) -> None:
        with self._lock:
            clients = list(self.clients)
        for c in clients:
            with self._lock:
                if not c.out:
                    continue
                try:
                    sent = c.sock.send(c.out)
                except (BlockingIOError, InterruptedError):
                    sent = 0
                except OSError:
                    sent = -1
                if sent > 0:
                    del c.out[:sent]
            if sent < 0:
                self._drop_client(c)

    def _control(self) -> None:
        try:
            sock, _ = self.control_sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        threading.Thread(target=self._serve_control, args=(sock,), daemon=True).start()

    def _serve_control(self, sock: socket.socket) -> None:
        with sock:
            sock.settimeout(5)
            buf = b""
            try:
                while not buf.endswith(b"\n"):
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    buf += chunk
                req = json.loads(buf.decode())
                answer = self.handle_control(req)
            except (OSError, ValueError) as exc:
                answer = {"ok": False, "error": str(exc)}
            except Exception as exc:
                answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            with contextlib.suppress(OSError):
                sock.sendall((json.dumps(answer) + "\n").encode())

    def handle_control(self, req: dict[str, Any]) -> dict[str, Any]:
        cmd = req.get("cmd")
        if cmd == "status":
            health = {n: asdict(link.health) for n, link in self.links.items()}
            for h in health.values():
                if h["last_msg_age_s"] == float("inf"):
                    h["last_msg_age_s"] = None
            return {"ok": True, "pid": os.getpid(), "ports": self.ports, "health": health,
                    "clients": len(self.clients), "recording": str(self.recorder.dir) if self.recorder else None}
        if cmd == "record":
            return {"ok": True, "recording": str(self.start_recording(Path(req["dir"])))}
        if cmd == "stop_record":
            d = self.stop_recording()
            return {"ok": True, "stopped": str(d) if d else None}
        if cmd == "stop":
            self._stop.set()
            with contextlib.suppress(OSError):
                self._wake_w.send(b"x")
            return {"ok": True}
        return {"ok": False, "error": f"unknown command {cmd!r}"}

    # ------------------------------------------------------------------ lifecycle
    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` (or a control ``stop``)."""
        self._publish()
        try:
            while not self._stop.is_set():
                for key, _mask in self._sel.select(0.2):
                    what, arg = key.data
                    if what == "wake":
                        with contextlib.suppress(BlockingIOError, OSError):
                            self._wake_r.recv(4096)
                    elif what == "accept":
                        self._accept(arg)
                    elif what == "client":
                        self._read_client(arg)
                    elif what == "control":
                        self._control()
                self._flush()
        finally:
            try:
                self._close_all()
            finally:
                self.done.set()

    def start(self) -> LinkOwner:
        """Serve in a background thread; returns once the ports listen and the state file is written."""
        self._publish()
        self._thread = threading.Thread(target=self.serve_forever, name="link-owner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        # an Event, not Thread.join: a join interrupted by Ctrl-C can report a live thread as stopped
        if self._thread is not None and self._thread is not threading.current_thread():
            self.done.wait(timeout=10)

    def wait_links(self, timeout_s: float) -> dict[str, bool]:
        """Wait up to ``timeout_s`` for a heartbeat from each drone; which answered."""
        deadline = time.monotonic() + timeout_s
        return {n: link.wait_heartbeat(max(0.0, deadline - time.monotonic())) is not None
                for n, link in self.links.items()}

    def _close_all(self) -> None:
        self._stop.set()
        self._unpublish()
        with contextlib.suppress(Exception):
            self.stop_recording()
        for link in self.links.values():
            link.close()
        for c in list(self.clients):
            self._drop_client(c)
        for s in [*self.listeners.values(), getattr(self, "control_sock", None), self._wake_r, self._wake_w]:
            if s is not None:
                with contextlib.suppress(KeyError, ValueError):
                    self._sel.unregister(s)
                s.close()

    def __enter__(self) -> LinkOwner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ---------------------------------------------------------------------- for other commands
_IN_PROCESS: dict[int, LinkOwner] = {}


def fleet_json(fleet: FleetConfig) -> str:
    """The fleet as JSON, for ``fleet serve --fleet-json`` (a started owner gets exactly this fleet)."""
    return json.dumps({"source": fleet.source, "drones": [asdict(d) for d in fleet.drones]})


def fleet_from_json(text: str) -> FleetConfig:
    try:
        data = json.loads(text)
        return FleetConfig(drones=tuple(DroneConfig(**d) for d in data["drones"]), source=data["source"])
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--fleet-json: not a fleet ({exc})") from None


def ensure_owner(fleet: FleetConfig, *, record_dir: Path | None = None, background: bool = True,
                 base_port: int = DEFAULT_BASE_PORT, timeout_s: float = 20.0) -> OwnerInfo:
    """The running link owner for ``fleet``, or a new one; with ``record_dir`` it records there.

    ``background`` starts ``python -m dronepatrol fleet serve`` detached (its own session; its
    log in the runtime directory), returning once its ports answer; otherwise the owner runs in
    this process's threads until :func:`stop_owner`.
    """
    info = find_owner(fleet)
    if info is not None:
        if record_dir is not None:
            answer = control(info, {"cmd": "record", "dir": str(Path(record_dir).resolve())})
            if not answer.get("ok"):
                raise LinkError(f"the link owner (pid {info.pid}) cannot record to {record_dir}: {answer.get('error')}")
            info = OwnerInfo(**{**asdict(info), "recording": answer["recording"]})
        return info
    if not background:
        owner = LinkOwner(fleet, base_port=base_port,
                          record_dir=Path(record_dir).resolve() if record_dir else None).start()
        _IN_PROCESS[owner.info.control_port] = owner
        return owner.info
    args = [sys.executable, "-m", "dronepatrol", "-q", "fleet", "serve", "--fleet-json", fleet_json(fleet),
            "--base-port", str(base_port)]
    if record_dir is not None:
        args += ["--record", str(Path(record_dir).resolve())]
    logfile = runtime_dir() / f"owner-{fleet_hash(fleet)}.log"
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True, close_fds=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        info = find_owner(fleet)
        if info is not None and info.pid == proc.pid:
            return info
        if proc.poll() is not None:
            tail = logfile.read_text(errors="replace").strip().splitlines()[-3:]
            raise LinkError(f"the link owner exited at start (code {proc.returncode}): {' / '.join(tail)} "
                            f"(log: {logfile})")
        time.sleep(0.1)
    proc.terminate()
    raise LinkError(f"the link owner did not start within {timeout_s:g} s (log: {logfile})")


def stop_recording(info: OwnerInfo) -> str | None:
    """Ask the owner to end its recording session; the session directory, if there was one."""
    return control(info, {"cmd": "stop_record"}).get("stopped")


def stop_owner(info: OwnerInfo, *, timeout_s: float = 10.0) -> None:
    """Stop the owner (its recording is closed cleanly); waits until it is gone."""
    owner = _IN_PROCESS.pop(info.control_port, None)
    if owner is not None:
        owner.stop()
        return
    with contextlib.suppress(LinkError):
        control(info, {"cmd": "stop"})
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _pid_alive(info.pid):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(info.pid, os.WNOHANG)
        time.sleep(0.05)
    if _pid_alive(info.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGTERM)

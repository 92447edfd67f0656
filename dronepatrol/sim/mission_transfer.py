"""The vehicle side of the MAVLink mission protocol (upload and download of one mission type).

Reproduces ArduCopter 4.x (``GCS_MAVLink/MissionItemProtocol*.cpp``):

* uploads are driven by the vehicle with the *old* ``MISSION_REQUEST``; the next request goes
  out as soon as an item is stored, the current one is re-sent after 1 s without an item and the
  transfer is cancelled (``MISSION_ACK OPERATION_CANCELLED``) after 8 s;
* an item whose ``seq`` is not the one requested gets ``MISSION_ACK INVALID_SEQUENCE`` and the
  transfer goes on; any other error ends it with that result.

What is stored, and how, is left to the subclasses in :mod:`dronepatrol.sim.mission_store`.
The classes are sans-I/O: handlers take decoded pymavlink messages and the vehicle time and
return the pymavlink messages to send.
"""

from __future__ import annotations

from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.sim.mission_items import FLOAT_GLOBAL_FRAMES, ItemInt

M = mavlink2

MISSION = M.MAV_MISSION_TYPE_MISSION
FENCE = M.MAV_MISSION_TYPE_FENCE
RALLY = M.MAV_MISSION_TYPE_RALLY

UPLOAD_TIMEOUT_S = 8.0
RE_REQUEST_S = 1.0


Send = list[Any]


class ItemProtocol:
    """Generic vehicle side of the mission protocol for one mission type.

    Subclasses provide the storage (item_count, get_item, replace/append, complete...).
    ``enc`` is a pymavlink ``MAVLink`` object used only to build messages.
    """

    mission_type = MISSION
    timeout_text = "Mission upload timeout"

    def __init__(self, enc: Any) -> None:
        self.enc = enc
        self.receiving = False
        self.warned_request = False
        self.request_i = 0
        self.request_last = 0
        self.dest_sysid = 0
        self.dest_compid = 0
        self.t_last_receive = 0.0
        self.t_last_request = 0.0

    # --- storage hooks -------------------------------------------------------------------------
    def item_count(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def max_items(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_item(self, seq: int, out: Send, msg: Any) -> tuple[int, dict[str, float] | None]:
        raise NotImplementedError  # pragma: no cover

    def replace_item(self, item: ItemInt) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def append_item(self, item: ItemInt) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def truncate(self, count: int) -> None:
        """Called on MISSION_COUNT before the upload starts."""

    def allocate(self, count: int) -> int:
        """Reserve room for ``count`` incoming items; return a MAV_MISSION_RESULT."""
        return M.MAV_MISSION_ACCEPTED

    def free(self) -> None:
        """Drop what an unfinished upload reserved."""

    def complete(self, out: Send) -> int:
        """Called when the last item arrived; return the final MAV_MISSION_RESULT."""
        return M.MAV_MISSION_ACCEPTED

    def clear_all(self) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def after_clear(self, out: Send) -> None:
        """What the vehicle says after MISSION_CLEAR_ALL (besides the ACK)."""

    def readback_autocontinue(self) -> int:
        """autocontinue of items read back (0 for fence and rally in ArduPilot)."""
        return 1

    # --- protocol ----------------------------------------------------------------------------
    def _ack(self, out: Send, sysid: int, compid: int, result: int) -> None:
        out.append(self.enc.mission_ack_encode(sysid, compid, result, self.mission_type))

    def _request(self, out: Send, now: float) -> None:
        out.append(
            self.enc.mission_request_encode(self.dest_sysid, self.dest_compid, self.request_i, self.mission_type)
        )
        self.t_last_request = now

    def _end(self) -> None:
        self.receiving = False
        self.free()

    def handle_count(self, msg: Any, now: float, out: Send) -> None:
        """MISSION_COUNT: start an upload of ``msg.count`` items."""
        if self.receiving:
            if msg.get_srcSystem() != self.dest_sysid or msg.get_srcComponent() != self.dest_compid:
                self._ack(out, msg.get_srcSystem(), msg.get_srcComponent(), M.MAV_MISSION_DENIED)
                return
            self._end()
        count = int(msg.count)
        if count > self.max_items():
            self._ack(out, msg.get_srcSystem(), msg.get_srcComponent(), M.MAV_MISSION_NO_SPACE)
            out.append(
                self.enc.statustext_encode(
                    M.MAV_SEVERITY_WARNING, f"Only {self.max_items()} items are supported".encode()
                )
            )
            return
        result = self.allocate(count)
        if result != M.MAV_MISSION_ACCEPTED:
            self._ack(out, msg.get_srcSystem(), msg.get_srcComponent(), result)
            return
        self.truncate(count)
        self.dest_sysid, self.dest_compid = msg.get_srcSystem(), msg.get_srcComponent()
        if count == 0:
            self._ack(out, self.dest_sysid, self.dest_compid, self.complete(out))
            self._end()
            return
        self.receiving = True
        self.request_i, self.request_last = 0, count - 1
        self.t_last_receive = now
        self._request(out, now)

    def handle_item(self, msg: Any, item: ItemInt, now: float, out: Send) -> None:
        """MISSION_ITEM / MISSION_ITEM_INT during an upload."""
        src, comp = msg.get_srcSystem(), msg.get_srcComponent()
        if not self.receiving:
            return  # ArduPilot has no upload link: nothing to answer
        if item.seq != self.request_i:
            self._ack(out, src, comp, M.MAV_MISSION_INVALID_SEQUENCE)
            return
        if src != self.dest_sysid or comp != self.dest_compid:
            self._ack(out, src, comp, M.MAV_MISSION_DENIED)
            return
        count = self.item_count()
        if item.seq < count:
            result = self.replace_item(item)
        elif item.seq == count:
            result = self.append_item(item)
        else:
            result = M.MAV_MISSION_ERROR
        if result != M.MAV_MISSION_ACCEPTED:
            self._ack(out, src, comp, result)
            self._end()
            return
        self.t_last_receive = now
        self.request_i += 1
        if self.request_i > self.request_last:
            final = self.complete(out)
            self._ack(out, src, comp, final)
            self._end()
            return
        self._request(out, now)

    def handle_request_list(self, msg: Any, out: Send) -> None:
        """MISSION_REQUEST_LIST: answer MISSION_COUNT."""
        src, comp = msg.get_srcSystem(), msg.get_srcComponent()
        if self.receiving:
            self._ack(out, src, comp, M.MAV_MISSION_DENIED)
            return
        out.append(self.enc.mission_count_encode(src, comp, self.item_count(), self.mission_type))

    def handle_request(self, msg: Any, out: Send, *, want_int: bool) -> None:
        """MISSION_REQUEST_INT (answer MISSION_ITEM_INT) or MISSION_REQUEST (MISSION_ITEM)."""
        src, comp = msg.get_srcSystem(), msg.get_srcComponent()
        if self.receiving:
            self._ack(out, src, comp, M.MAV_MISSION_DENIED)
            return
        seq = int(msg.seq)
        if not want_int and not self.warned_request:
            self.warned_request = True
            out.append(self.enc.statustext_encode(M.MAV_SEVERITY_WARNING,
                                                  b"got MISSION_REQUEST; use MISSION_REQUEST_INT!"))
        result, fields = self.get_item(seq, out, msg)
        if result != M.MAV_MISSION_ACCEPTED or fields is None:
            self._ack(out, src, comp, result)
            return
        autocontinue = self.readback_autocontinue()
        current = int(fields.get("current", 0))
        if want_int:
            out.append(
                self.enc.mission_item_int_encode(
                    src,
                    comp,
                    seq,
                    int(fields["frame"]),
                    int(fields["command"]),
                    current,
                    autocontinue,
                    fields["param1"],
                    fields["param2"],
                    fields["param3"],
                    fields["param4"],
                    int(fields["x"]),
                    int(fields["y"]),
                    fields["z"],
                    self.mission_type,
                )
            )
        else:
            scale = 1e-7 if fields["frame"] in FLOAT_GLOBAL_FRAMES else 1.0
            out.append(
                self.enc.mission_item_encode(
                    src,
                    comp,
                    seq,
                    int(fields["frame"]),
                    int(fields["command"]),
                    current,
                    autocontinue,
                    fields["param1"],
                    fields["param2"],
                    fields["param3"],
                    fields["param4"],
                    fields["x"] * scale,
                    fields["y"] * scale,
                    fields["z"],
                    self.mission_type,
                )
            )

    def handle_clear_all(self, msg: Any, out: Send) -> None:
        """MISSION_CLEAR_ALL: clear and acknowledge (ERROR while uploading or if refused)."""
        ok = not self.receiving and self.clear_all()
        self._ack(
            out,
            msg.get_srcSystem(),
            msg.get_srcComponent(),
            M.MAV_MISSION_ACCEPTED if ok else M.MAV_MISSION_ERROR,
        )
        if ok:
            self.after_clear(out)

    def update(self, now: float, out: Send) -> None:
        """Re-request a missing item after 1 s; cancel the upload after 8 s without items."""
        if not self.receiving:
            return
        if now - self.t_last_receive > UPLOAD_TIMEOUT_S:
            out.append(self.enc.statustext_encode(M.MAV_SEVERITY_WARNING, self.timeout_text.encode()))
            self._ack(out, self.dest_sysid, self.dest_compid, M.MAV_MISSION_OPERATION_CANCELLED)
            self._end()
            return
        if now - self.t_last_request > RE_REQUEST_S:
            self._request(out, now)

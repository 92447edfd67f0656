"""The sans-I/O mission transfer against a scripted ArduCopter-like vehicle, with fault injection.

The fault matrix is QGroundControl's mock link's (no response to the count, lost first/second
request, out-of-sequence request, error ACK mid-transfer, lost final ACK, unexpected messages while
idle), each case a test of its own; a hypothesis test drops random messages both ways and checks
that a transfer never hangs and ends in success (with the vehicle holding exactly the items) or in a
clear error. Time is virtual: nothing here sleeps.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("MAVLINK20", "1")

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from dronepatrol.mavlink.items import WireItem, wire_from_msg
from dronepatrol.mavlink.transfer import (
    Timeouts,
    Transfer,
    TransferRejected,
    TransferTimeout,
    result_message,
)

M = mavlink2
GCS = mavlink2.MAVLink(None, srcSystem=254, srcComponent=190)
DT = 0.01  # virtual seconds per step (also the one-way latency)


def items(n: int) -> list[WireItem]:
    """``n`` distinct waypoints (seq 0 is home)."""
    return [WireItem(command=16, frame=6, params=(float(k % 3), 0.0, 0.0, 0.0), x=160560000 + 100 * k,
                     y=1036520000 + 37 * k, z=10.0 + k) for k in range(n)]


class FakeVehicle:
    """ArduCopter's side of the mission protocol, as observed on SITL: uploads are asked for with the
    old MISSION_REQUEST, re-requested every 1 s, cancelled after 8 s; a wrong item gets
    INVALID_SEQUENCE and the upload goes on; ``max_items`` gives NO_SPACE."""

    def __init__(self, stored: dict[int, list[WireItem]] | None = None, max_items: int = 650) -> None:
        self.enc = mavlink2.MAVLink(None, srcSystem=1, srcComponent=1)
        self.stored: dict[int, list[WireItem]] = {0: [], 1: [], 2: []}
        self.stored.update(stored or {})
        self.max_items = max_items
        self.rx: dict[str, Any] | None = None  # the upload in progress
        self.error_ack_after: tuple[int, int] | None = None  # (item seq, result): fail after that item
        self.request_override: Callable[[int], int] | None = None  # seq asked for -> seq actually asked
        self.item_override: Callable[[int], int] | None = None  # download: seq asked -> seq sent
        self.received: list[Any] = []

    def _ack(self, result: int, mt: int) -> Any:
        return self.enc.mission_ack_encode(254, 190, result, mt)

    def _request(self, now: float) -> Any:
        rx = self.rx
        assert rx is not None
        rx["t_req"] = now
        seq = rx["next"]
        if self.request_override is not None:
            seq = self.request_override(seq)
        return self.enc.mission_request_encode(254, 190, seq, rx["mt"])

    def handle(self, msg: Any, now: float) -> list[Any]:
        self.received.append(msg)
        kind = msg.get_type()
        mt = int(getattr(msg, "mission_type", 0))
        if kind == "MISSION_COUNT":
            if msg.count > self.max_items:
                return [self._ack(M.MAV_MISSION_NO_SPACE, mt)]
            if msg.count == 0:
                self.stored[mt] = []
                return [self._ack(M.MAV_MISSION_ACCEPTED, mt)]
            self.rx = {"mt": mt, "count": int(msg.count), "next": 0, "items": [], "t_rx": now, "t_req": now}
            return [self._request(now)]
        if kind == "MISSION_ITEM_INT":
            rx = self.rx
            if rx is None or rx["mt"] != mt:
                return []
            if msg.seq != rx["next"]:
                return [self._ack(M.MAV_MISSION_INVALID_SEQUENCE, mt)]
            rx["items"].append(wire_from_msg(msg))
            rx["next"] += 1
            rx["t_rx"] = now
            if self.error_ack_after is not None and msg.seq == self.error_ack_after[0]:
                self.rx = None
                return [self._ack(self.error_ack_after[1], mt)]
            if rx["next"] == rx["count"]:
                self.stored[mt] = rx["items"]
                self.rx = None
                return [self._ack(M.MAV_MISSION_ACCEPTED, mt)]
            return [self._request(now)]
        if kind == "MISSION_REQUEST_LIST":
            if self.rx is not None:
                return [self._ack(M.MAV_MISSION_DENIED, mt)]
            return [self.enc.mission_count_encode(254, 190, len(self.stored[mt]), mt)]
        if kind == "MISSION_REQUEST_INT":
            seq = int(msg.seq)
            if self.item_override is not None:
                seq = self.item_override(seq)
            lst = self.stored[mt]
            if not 0 <= seq < len(lst):
                return [self._ack(M.MAV_MISSION_INVALID_SEQUENCE, mt)]
            it = lst[seq]
            p = it.params
            return [self.enc.mission_item_int_encode(254, 190, seq, it.frame, it.command, 0, it.autocontinue,
                                                     p[0], p[1], p[2], p[3], it.x, it.y, it.z, mt)]
        if kind == "MISSION_CLEAR_ALL":
            if self.rx is not None:
                return [self._ack(M.MAV_MISSION_ERROR, mt)]
            self.stored[mt] = []
            return [self._ack(M.MAV_MISSION_ACCEPTED, mt)]
        if (kind == "MISSION_ACK" and self.rx is not None and msg.mission_type == self.rx["mt"]
                and msg.type == M.MAV_MISSION_OPERATION_CANCELLED):
            self.rx = None
        return []

    def update(self, now: float) -> list[Any]:
        rx = self.rx
        if rx is None:
            return []
        if now - rx["t_rx"] > 8.0:
            self.rx = None
            return [self._ack(M.MAV_MISSION_OPERATION_CANCELLED, rx["mt"])]
        if now - rx["t_req"] > 1.0:
            return [self._request(now)]
        return []


Drop = Callable[[str, Any], bool]  # (direction "up" gcs->vehicle | "down", message) -> drop it?


@dataclass
class Run:
    transfer: Transfer
    vehicle: FakeVehicle
    t_s: float
    sent: list[Any] = field(default_factory=list)


def drive(transfer: Transfer, vehicle: FakeVehicle, drop: Drop | None = None, t_max_s: float = 120.0) -> Run:
    """Run ``transfer`` against ``vehicle`` in virtual time; fail the test if it hangs."""
    drop = drop or (lambda d, m: False)
    now = 0.0
    up = transfer.start(now)
    sent = list(up)
    while not transfer.done:
        assert now < t_max_s, "transfer hung"
        now += DT
        down: list[Any] = []
        for m in up:
            if not drop("up", m):
                down.extend(vehicle.handle(m, now))
        down.extend(vehicle.update(now))
        up = []
        for m in down:
            if not drop("down", m):
                up.extend(transfer.on_message(m, now))
        if transfer.deadline is not None and now >= transfer.deadline:
            up.extend(transfer.on_tick(now))
        sent.extend(up)
    for m in up:  # the final ACK of a download, the cancel of a timeout
        if not drop("up", m):
            vehicle.handle(m, now)
    return Run(transfer, vehicle, now, sent)


def drop_nth(direction: str, kind: str, *which: int, seq: int | None = None) -> Drop:
    """Drop the listed occurrences (1-based) of ``kind`` travelling ``direction`` (optionally one seq)."""
    seen = {"n": 0}

    def f(d: str, m: Any) -> bool:
        if d != direction or m.get_type() != kind or (seq is not None and m.seq != seq):
            return False
        seen["n"] += 1
        return seen["n"] in which

    return f


def upload(n: int = 5, mt: int = 0, **kw: Any) -> Transfer:
    return Transfer.upload(GCS, 1, 1, mt, items(n), label="drone1 mission upload", **kw)


def types(msgs: list[Any]) -> list[str]:
    return [m.get_type() for m in msgs]


# --- the plain cases ------------------------------------------------------------------------------


def test_upload_answers_the_old_mission_request_with_mission_item_int() -> None:
    run = drive(upload(5), FakeVehicle())
    assert run.transfer.ok and not run.transfer.unconfirmed
    assert run.vehicle.stored[0] == items(5)
    assert [m.get_type() for m in run.vehicle.received].count("MISSION_ITEM_INT") == 5
    assert run.transfer.progress == (5, 5)


def test_upload_answers_mission_request_int_too() -> None:
    t = upload(2)
    t.start(0.0)
    out = t.on_message(FakeVehicle().enc.mission_request_int_encode(254, 190, 1, 0), 0.1)
    assert types(out) == ["MISSION_ITEM_INT"] and out[0].seq == 1 and out[0].x == items(2)[1].x


def test_duplicate_request_is_answered_again() -> None:
    t = upload(3)
    t.start(0.0)
    v = FakeVehicle().enc
    first = t.on_message(v.mission_request_encode(254, 190, 0, 0), 0.1)
    again = t.on_message(v.mission_request_encode(254, 190, 0, 0), 0.2)
    assert types(first) == types(again) == ["MISSION_ITEM_INT"] and again[0].seq == 0 and not t.done


def test_fence_and_rally_use_the_same_machine() -> None:
    for mt in (1, 2):
        run = drive(upload(4, mt=mt), FakeVehicle())
        assert run.transfer.ok and run.vehicle.stored[mt] == items(4) and run.vehicle.stored[0] == []
        assert all(m.mission_type == mt for m in run.sent)


def test_upload_of_nothing_is_one_count_and_one_ack() -> None:
    run = drive(Transfer.upload(GCS, 1, 1, 1, []), FakeVehicle(stored={1: items(3)}))
    assert run.transfer.ok and run.vehicle.stored[1] == [] and types(run.sent) == ["MISSION_COUNT"]


def test_download_reads_every_item_and_acks() -> None:
    vehicle = FakeVehicle(stored={0: items(7)})
    run = drive(Transfer.download(GCS, 1, 1, 0), vehicle)
    assert run.transfer.ok and run.transfer.items == items(7)
    assert types(vehicle.received)[-1] == "MISSION_ACK" and vehicle.received[-1].type == M.MAV_MISSION_ACCEPTED


def test_download_of_an_empty_list_after_clear() -> None:
    vehicle = FakeVehicle(stored={0: items(4)})
    assert drive(Transfer.clear(GCS, 1, 1, 0), vehicle).transfer.ok
    run = drive(Transfer.download(GCS, 1, 1, 0), vehicle)
    assert run.transfer.ok and run.transfer.items == [] and run.transfer.count == 0


# --- QGroundControl's fault matrix ---------------------------------------------------------------


def test_no_response_to_the_first_mission_count_is_retried() -> None:
    run = drive(upload(4), FakeVehicle(), drop_nth("up", "MISSION_COUNT", 1))
    assert run.transfer.ok and run.vehicle.stored[0] == items(4)
    assert types(run.sent).count("MISSION_COUNT") == 2 and 1.5 <= run.t_s < 2.5


def test_no_response_to_any_mission_count_times_out_after_the_retries() -> None:
    run = drive(upload(4), FakeVehicle(), lambda d, m: d == "up")
    t = run.transfer
    assert t.done and not t.ok and isinstance(t.error, TransferTimeout)
    assert "no answer to MISSION_COUNT after 6 tries" in str(t.error) and "check the link" in str(t.error)
    assert types(run.sent).count("MISSION_COUNT") == 6 and run.t_s == pytest.approx(9.0, abs=0.05)
    assert types(run.sent)[-1] == "MISSION_ACK" and run.sent[-1].type == M.MAV_MISSION_OPERATION_CANCELLED


def test_lost_first_request_is_recovered() -> None:
    run = drive(upload(4), FakeVehicle(), drop_nth("down", "MISSION_REQUEST", 1))
    assert run.transfer.ok and run.vehicle.stored[0] == items(4)


def test_lost_second_request_is_recovered() -> None:
    run = drive(upload(4), FakeVehicle(), drop_nth("down", "MISSION_REQUEST", 2))
    assert run.transfer.ok and run.vehicle.stored[0] == items(4)


def test_request_out_of_sequence_is_answered_and_the_upload_ends_accepted() -> None:
    vehicle = FakeVehicle()
    asked = {"n": 0}

    def skew(seq: int) -> int:  # the second request asks for item 3 instead of 1
        asked["n"] += 1
        return 3 if asked["n"] == 2 else seq

    vehicle.request_override = skew
    run = drive(upload(5), vehicle)
    assert run.transfer.ok and vehicle.stored[0] == items(5)
    assert run.transfer.invalid_sequence_acks >= 1  # ArduCopter's INVALID_SEQUENCE is not fatal
    assert run.t_s < 0.5  # the next item went out at once, not after the vehicle's 1 s re-request


def test_invalid_sequence_ack_mid_upload_is_not_fatal() -> None:
    t = upload(3)
    t.start(0.0)
    v = FakeVehicle().enc
    t.on_message(v.mission_request_encode(254, 190, 0, 0), 0.1)
    out = t.on_message(v.mission_ack_encode(254, 190, M.MAV_MISSION_INVALID_SEQUENCE, 0), 0.2)
    assert types(out) == ["MISSION_ITEM_INT"] and out[0].seq == 1  # the vehicle has item 0: the next goes out
    assert not t.done and t.on_message(v.mission_ack_encode(254, 190, M.MAV_MISSION_INVALID_SEQUENCE, 0), 0.2) == []
    for seq in (1, 2):
        t.on_message(v.mission_request_encode(254, 190, seq, 0), 0.3)
    t.on_message(v.mission_ack_encode(254, 190, M.MAV_MISSION_ACCEPTED, 0), 0.4)
    assert t.ok


def test_error_ack_mid_upload_cancels_with_an_officer_message() -> None:
    vehicle = FakeVehicle()
    vehicle.error_ack_after = (1, M.MAV_MISSION_INVALID_PARAM1)
    run = drive(upload(5), vehicle)
    t = run.transfer
    assert not t.ok and isinstance(t.error, TransferRejected) and t.error.result == M.MAV_MISSION_INVALID_PARAM1
    assert str(t.error).startswith("drone1 mission upload: the vehicle refused item 1 (NAV_WAYPOINT): invalid param1")
    assert t.error.exit_code == 6


def test_no_space_names_the_limit() -> None:
    run = drive(upload(8), FakeVehicle(max_items=5))
    assert isinstance(run.transfer.error, TransferRejected)
    assert "no room for 8 mission items" in str(run.transfer.error) and "650" in str(run.transfer.error)


def test_denied_says_armed_or_busy() -> None:
    t = upload(3)
    t.start(0.0)
    t.on_message(FakeVehicle().enc.mission_ack_encode(254, 190, M.MAV_MISSION_DENIED, 0), 0.1)
    assert not t.ok and "armed or busy" in str(t.error)


def test_lost_final_ack_ends_unconfirmed_for_the_download_to_prove() -> None:
    run = drive(upload(4), FakeVehicle(), drop_nth("down", "MISSION_ACK", 1))
    t = run.transfer
    assert t.ok and t.unconfirmed and run.vehicle.stored[0] == items(4)
    assert run.t_s < 3.5  # one re-send of the last item, not five


def test_final_item_lost_the_vehicle_re_requests_it() -> None:
    run = drive(upload(4), FakeVehicle(), drop_nth("up", "MISSION_ITEM_INT", 1, seq=3))
    assert run.transfer.ok and not run.transfer.unconfirmed and run.vehicle.stored[0] == items(4)


def test_vehicle_cancels_mid_upload() -> None:
    run = drive(upload(4), FakeVehicle(), lambda d, m: d == "up" and m.get_type() == "MISSION_ITEM_INT" and m.seq >= 2)
    assert isinstance(run.transfer.error, (TransferRejected, TransferTimeout))
    assert "item 2" in str(run.transfer.error) or "cancelled" in str(run.transfer.error)


def test_unexpected_ack_item_request_while_idle_change_nothing() -> None:
    t = upload(3)
    v = FakeVehicle().enc
    stray = [v.mission_ack_encode(254, 190, M.MAV_MISSION_ERROR, 0),
             v.mission_item_int_encode(254, 190, 0, 6, 16, 0, 1, 0, 0, 0, 0, 1, 2, 3, 0),
             v.mission_request_encode(254, 190, 0, 0)]
    for m in stray:  # before start
        assert t.on_message(m, 0.0) == []
    assert not t.started and not t.done
    run = drive(t, FakeVehicle())
    assert run.transfer.ok
    for m in stray:  # after the end
        assert t.on_message(m, 99.0) == [] and t.ok and t.error is None


def test_stale_accepted_ack_before_the_last_item_is_ignored() -> None:
    t = upload(3)
    t.start(0.0)
    v = FakeVehicle().enc
    t.on_message(v.mission_request_encode(254, 190, 0, 0), 0.1)
    t.on_message(v.mission_ack_encode(254, 190, M.MAV_MISSION_ACCEPTED, 0), 0.2)
    assert not t.done


def test_messages_for_another_list_or_ground_station_are_ignored() -> None:
    t = upload(3)
    t.start(0.0)
    v = FakeVehicle().enc
    assert t.on_message(v.mission_request_encode(254, 190, 0, 1), 0.1) == []  # fence list
    assert t.on_message(v.mission_request_encode(255, 190, 0, 0), 0.1) == []  # QGroundControl's
    assert t.on_message(v.mission_ack_encode(255, 0, M.MAV_MISSION_DENIED, 0), 0.1) == []
    assert not t.done


def test_out_of_range_request_is_not_answered() -> None:
    t = upload(3)
    t.start(0.0)
    assert t.on_message(FakeVehicle().enc.mission_request_encode(254, 190, 7, 0), 0.1) == []


def test_download_with_lost_items_re_requests_them() -> None:
    vehicle = FakeVehicle(stored={2: items(6)})
    drop = drop_nth("down", "MISSION_ITEM_INT", 1, 2, seq=2)
    run = drive(Transfer.download(GCS, 1, 1, 2), vehicle, drop)
    assert run.transfer.ok and run.transfer.items == items(6)
    assert types(run.sent).count("MISSION_REQUEST_INT") == 8


def test_download_ignores_an_item_out_of_sequence() -> None:
    vehicle = FakeVehicle(stored={0: items(4)})
    answered = {"n": 0}

    def skew(seq: int) -> int:
        answered["n"] += 1
        return 3 if answered["n"] == 2 else seq

    vehicle.item_override = skew
    run = drive(Transfer.download(GCS, 1, 1, 0), vehicle)
    assert run.transfer.ok and run.transfer.items == items(4)


def test_download_lost_count_is_retried() -> None:
    run = drive(Transfer.download(GCS, 1, 1, 0), FakeVehicle(stored={0: items(2)}),
                drop_nth("down", "MISSION_COUNT", 1))
    assert run.transfer.ok and len(run.transfer.items) == 2


def test_download_item_never_comes() -> None:
    run = drive(Transfer.download(GCS, 1, 1, 0), FakeVehicle(stored={0: items(4)}),
                lambda d, m: d == "down" and m.get_type() == "MISSION_ITEM_INT" and m.seq == 1)
    assert isinstance(run.transfer.error, TransferTimeout) and "item 1 of 4 never came" in str(run.transfer.error)
    asked = [m.seq for m in run.sent if m.get_type() == "MISSION_REQUEST_INT"]
    assert asked.count(1) > 6 and run.t_s == pytest.approx(9.0, abs=0.1)  # re-asked at most every 250 ms for 9 s


def test_download_denied_while_the_vehicle_is_receiving() -> None:
    vehicle = FakeVehicle()
    vehicle.rx = {"mt": 0, "count": 3, "next": 0, "items": [], "t_rx": 0.0, "t_req": 0.0}
    run = drive(Transfer.download(GCS, 1, 1, 0), vehicle)
    assert isinstance(run.transfer.error, TransferRejected) and "denied" in str(run.transfer.error)


def test_clear_lost_ack_is_retried() -> None:
    vehicle = FakeVehicle(stored={1: items(5)})
    run = drive(Transfer.clear(GCS, 1, 1, 1), vehicle, drop_nth("down", "MISSION_ACK", 1))
    assert run.transfer.ok and vehicle.stored[1] == []


def test_cancel_tells_the_vehicle() -> None:
    t = upload(3)
    t.start(0.0)
    out = t.cancel(0.5)
    assert types(out) == ["MISSION_ACK"] and out[0].type == M.MAV_MISSION_OPERATION_CANCELLED
    assert t.done and not t.ok and "cancelled" in str(t.error)


def test_every_result_has_its_own_message() -> None:
    texts = {result_message(r, 0, count=3, seq=2) for r in range(16)}
    assert len(texts) == 16
    assert "fence does not fit" in result_message(1, 1)


# --- random faults ---------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(op=st.sampled_from(["upload", "download", "clear"]), n=st.integers(0, 12), mt=st.integers(0, 2),
       drops=st.lists(st.booleans(), max_size=80), loss=st.sampled_from([0.0, 0.1, 0.3, 0.6]),
       seed=st.integers(0, 10_000))
def test_random_faults_never_hang_and_end_clearly(op: str, n: int, mt: int, drops: list[bool], loss: float,
                                                   seed: int) -> None:
    import random

    rng = random.Random(seed)
    schedule = iter(drops)

    def drop(_d: str, _m: Any) -> bool:
        forced = next(schedule, None)
        return forced if forced is not None else rng.random() < loss

    vehicle = FakeVehicle(stored={mt: items(n)})
    if op == "upload":
        t = Transfer.upload(GCS, 1, 1, mt, items(n))
    elif op == "download":
        t = Transfer.download(GCS, 1, 1, mt)
    else:
        t = Transfer.clear(GCS, 1, 1, mt)
    run = drive(t, vehicle, drop, t_max_s=200.0)  # asserts it ends
    t = run.transfer
    assert t.done and (t.ok != (t.error is not None))
    if t.ok:
        if op == "download":
            assert t.items == items(n)
        elif op == "clear":
            assert vehicle.stored[mt] == []
        elif not t.unconfirmed:
            assert vehicle.stored[mt] == items(n)
    else:
        assert isinstance(t.error, (TransferRejected, TransferTimeout)) and len(str(t.error)) > 20


def test_timeouts_are_the_specs() -> None:
    t = Timeouts()
    assert (t.reply_s, t.item_s, t.retries) == (1.5, 0.25, 5)


def test_pushed_last_item_then_the_final_ack_ends_the_upload() -> None:
    t = upload(3)
    t.start(0.0)
    v = FakeVehicle().enc
    t.on_message(v.mission_request_encode(254, 190, 0, 0), 0.1)
    t.on_message(v.mission_request_encode(254, 190, 1, 0), 0.2)  # the request for item 2 is lost
    resent = t.on_tick(t.deadline)
    assert [m.seq for m in resent] == [1]
    pushed = t.on_message(v.mission_ack_encode(254, 190, M.MAV_MISSION_INVALID_SEQUENCE, 0), 0.5)
    assert [m.seq for m in pushed] == [2]  # the last item, pushed
    t.on_message(v.mission_ack_encode(254, 190, M.MAV_MISSION_ACCEPTED, 0), 0.6)
    assert t.ok and not t.unconfirmed


def test_pushed_last_item_with_the_final_ack_lost_ends_unconfirmed() -> None:
    t = upload(3)
    t.start(0.0)
    v = FakeVehicle().enc
    t.on_message(v.mission_request_encode(254, 190, 0, 0), 0.1)
    t.on_message(v.mission_request_encode(254, 190, 1, 0), 0.2)
    t.on_tick(t.deadline)
    t.on_message(v.mission_ack_encode(254, 190, M.MAV_MISSION_INVALID_SEQUENCE, 0), 0.5)
    sent = []
    while not t.done:
        sent += t.on_tick(t.deadline)
    assert t.ok and t.unconfirmed and {m.seq for m in sent} <= {2}

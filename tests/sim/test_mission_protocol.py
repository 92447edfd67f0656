"""Mission, fence and rally transfers against the simulator, with ArduCopter's quirks."""

from __future__ import annotations

import time

import pytest
from pymavlink import mavutil

M = mavutil.mavlink
HOME = (16.05630, 103.64880)


def e7(deg: float) -> int:
    return round(deg * 1e7)


def wp(lat: float, lon: float, alt: float, **kw) -> dict:
    return {"command": M.MAV_CMD_NAV_WAYPOINT, "x": e7(lat), "y": e7(lon), "z": alt, **kw}


def home_item() -> dict:
    return {
        "command": M.MAV_CMD_NAV_WAYPOINT,
        "frame": M.MAV_FRAME_GLOBAL_INT,
        "x": e7(HOME[0]),
        "y": e7(HOME[1]),
        "z": 140.0,
    }


def sample_mission() -> list[dict]:
    return [
        home_item(),
        {"command": M.MAV_CMD_NAV_TAKEOFF, "z": 20.0},
        wp(16.0570, 103.6490, 30.0, param1=2.0),
        {"command": M.MAV_CMD_DO_SET_CAM_TRIGG_DIST, "frame": M.MAV_FRAME_MISSION, "param1": 25.0},
        wp(16.0575, 103.6495, 30.0),
        {"command": M.MAV_CMD_NAV_RETURN_TO_LAUNCH, "frame": M.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT},
    ]


def test_upload_is_driven_by_old_mission_request_and_reads_back_with_quirks(one):
    _fleet, gcs = one
    gcs.wait_home()
    items = sample_mission()
    gcs.m.mav.mission_count_send(1, 1, len(items), 0)
    kinds = []
    deadline = time.monotonic() + 10
    result = None
    while result is None and time.monotonic() < deadline:
        msg = gcs.recv(0.2)
        if msg is None:
            continue
        if msg.get_type() in ("MISSION_REQUEST", "MISSION_REQUEST_INT"):
            kinds.append(msg.get_type())
            gcs.send_item(items[msg.seq], msg.seq)
        elif msg.get_type() == "MISSION_ACK":
            result = msg.type
    assert result == M.MAV_MISSION_ACCEPTED
    assert kinds == ["MISSION_REQUEST"] * len(items)  # the old message, as ArduCopter 4.7

    got = gcs.download(0)
    assert len(got) == len(items)
    home = got[0]
    # item 0 is home, in frame 0 with its altitude above sea level
    assert (home.frame, home.command) == (M.MAV_FRAME_GLOBAL, M.MAV_CMD_NAV_WAYPOINT)
    assert home.z == pytest.approx(140.0, abs=0.01)
    assert abs(home.x - e7(HOME[0])) <= 1 and abs(home.y - e7(HOME[1])) <= 1
    # INT frames come back in their non-INT form
    assert got[1].frame == M.MAV_FRAME_GLOBAL_RELATIVE_ALT and got[1].z == pytest.approx(20.0)
    assert got[2].frame == M.MAV_FRAME_GLOBAL_RELATIVE_ALT
    assert (got[2].x, got[2].y) == (e7(16.0570), e7(103.6490))
    assert got[2].param1 == 2.0
    # a DO command without a location and RTL come back in frame 0
    assert got[3].frame == M.MAV_FRAME_GLOBAL and got[3].param1 == 25.0
    assert (got[5].command, got[5].frame) == (M.MAV_CMD_NAV_RETURN_TO_LAUNCH, M.MAV_FRAME_GLOBAL)
    assert all(i.autocontinue == 1 for i in got)


def test_download_with_old_mission_request_gives_mission_item(one):
    _fleet, gcs = one
    assert gcs.upload(sample_mission()) == M.MAV_MISSION_ACCEPTED
    got = gcs.download(0, use_int=False)
    assert [i.get_type() for i in got] == ["MISSION_ITEM"] * 6
    assert got[2].x == pytest.approx(16.0570, abs=1e-6)
    assert got[2].y == pytest.approx(103.6490, abs=1e-5)


def test_duplicate_item_gets_invalid_sequence_but_transfer_ends_accepted(one):
    _fleet, gcs = one
    items = sample_mission()
    gcs.m.mav.mission_count_send(1, 1, len(items), 0)
    acks = []
    sent_duplicate = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        msg = gcs.recv(0.2)
        if msg is None:
            continue
        if msg.get_type() == "MISSION_REQUEST":
            gcs.send_item(items[msg.seq], msg.seq)
            if msg.seq == 2 and not sent_duplicate:
                gcs.send_item(items[1], 1)  # a duplicate of the previous item
                sent_duplicate = True
        elif msg.get_type() == "MISSION_ACK":
            acks.append(msg.type)
            if msg.type != M.MAV_MISSION_INVALID_SEQUENCE:
                break
    assert acks == [M.MAV_MISSION_INVALID_SEQUENCE, M.MAV_MISSION_ACCEPTED]
    assert len(gcs.download(0)) == len(items)


def test_out_of_order_item_is_re_requested(one):
    _fleet, gcs = one
    items = sample_mission()
    gcs.m.mav.mission_count_send(1, 1, len(items), 0)
    requests: list[int] = []
    acks = []
    skipped = False
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        msg = gcs.recv(0.2)
        if msg is None:
            continue
        if msg.get_type() == "MISSION_REQUEST":
            requests.append(msg.seq)
            if msg.seq == 3 and not skipped:
                gcs.send_item(items[4], 4)  # out of order: vehicle answers, then asks again
                skipped = True
            else:
                gcs.send_item(items[msg.seq], msg.seq)
        elif msg.get_type() == "MISSION_ACK":
            acks.append(msg.type)
            if msg.type != M.MAV_MISSION_INVALID_SEQUENCE:
                break
    assert acks == [M.MAV_MISSION_INVALID_SEQUENCE, M.MAV_MISSION_ACCEPTED]
    assert requests.count(3) == 2  # re-requested after its 1 s timeout


def test_no_space_above_650_items(one):
    _fleet, gcs = one
    gcs.m.mav.mission_count_send(1, 1, 651, 0)
    ack = gcs.wait("MISSION_ACK", 5)
    assert ack.type == M.MAV_MISSION_NO_SPACE
    text = gcs.wait("STATUSTEXT", 5)
    assert "650" in text.text
    gcs.m.mav.mission_count_send(1, 1, 650, 0)
    req = gcs.wait(["MISSION_REQUEST", "MISSION_ACK"], 5)
    assert req.get_type() == "MISSION_REQUEST" and req.seq == 0


def test_unknown_command_is_unsupported(one):
    _fleet, gcs = one
    items = [home_item(), {"command": 31999, "frame": M.MAV_FRAME_MISSION}]
    assert gcs.upload(items) == M.MAV_MISSION_UNSUPPORTED


def test_vehicle_re_requests_then_cancels_an_abandoned_upload(one):
    _fleet, gcs = one
    gcs.m.mav.mission_count_send(1, 1, 3, 0)
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        msg = gcs.wait(["MISSION_REQUEST", "MISSION_ACK"], 10)
        seen.append((msg.get_type(), getattr(msg, "seq", msg.get_type() == "MISSION_ACK" and msg.type)))
        if msg.get_type() == "MISSION_ACK":
            break
    assert seen[-1] == ("MISSION_ACK", M.MAV_MISSION_OPERATION_CANCELLED)
    requests = [s for s in seen if s[0] == "MISSION_REQUEST"]
    assert len(requests) >= 5 and {s[1] for s in requests} == {0}  # re-sent about every second


def test_fresh_mission_reads_home_and_clear_all_reads_count_0(one):
    _fleet, gcs = one
    assert len(gcs.download(0)) == 1  # fresh vehicle: only home
    assert gcs.upload(sample_mission()) == M.MAV_MISSION_ACCEPTED
    assert gcs.param_get("MIS_TOTAL") == 6
    gcs.m.mav.mission_clear_all_send(1, 1, 0)
    assert gcs.wait("MISSION_ACK", 5).type == M.MAV_MISSION_ACCEPTED
    assert len(gcs.download(0)) == 0  # ArduCopter 4.7: home too is gone until the next upload
    assert gcs.param_get("MIS_TOTAL") == 0


def fence_items() -> list[dict]:
    ring = [(16.0550, 103.6470), (16.0550, 103.6510), (16.0580, 103.6520), (16.0600, 103.6490), (16.0580, 103.6460)]
    items = [
        {
            "command": M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION,
            "param1": 5,
            "x": e7(a),
            "y": e7(b),
            "frame": M.MAV_FRAME_GLOBAL_INT,
        }
        for a, b in ring
    ]
    return items


def test_fence_upload_download_fence_total_and_clear(one):
    _fleet, gcs = one
    items = fence_items()
    assert gcs.upload(items, 1) == M.MAV_MISSION_ACCEPTED
    assert gcs.param_get("FENCE_TOTAL") == 7  # ArduCopter reads 7 for 5 fence items
    got = gcs.download(1)
    assert len(got) == 5
    assert all(i.autocontinue == 0 and i.frame == M.MAV_FRAME_GLOBAL for i in got)
    assert [i.command for i in got] == [M.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION] * 5
    assert [(i.x, i.y) for i in got] == [(it["x"], it["y"]) for it in items]
    assert all(i.param1 == 5 for i in got)
    # a circle adds one to FENCE_TOTAL
    circle = {"command": M.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION, "param1": 30.0, "x": e7(16.0570), "y": e7(103.6490)}
    assert gcs.upload([*items, circle], 1) == M.MAV_MISSION_ACCEPTED
    assert gcs.param_get("FENCE_TOTAL") == 8
    assert gcs.download(1)[5].param1 == 30.0
    gcs.m.mav.mission_clear_all_send(1, 1, 1)
    assert gcs.wait("MISSION_ACK", 5, lambda a: a.mission_type == 1).type == M.MAV_MISSION_ACCEPTED
    assert gcs.param_get("FENCE_TOTAL") == 0
    assert gcs.download(1) == []


def test_invalid_fence_is_rejected_and_old_fence_kept(one):
    _fleet, gcs = one
    assert gcs.upload(fence_items(), 1) == M.MAV_MISSION_ACCEPTED
    bad = fence_items()[:4]  # says 5 vertices, only 4 sent
    assert gcs.upload(bad, 1) == M.MAV_MISSION_ERROR
    assert len(gcs.download(1)) == 5


def test_rally_upload_download_and_total(one):
    _fleet, gcs = one
    pts = [
        {"command": M.MAV_CMD_NAV_RALLY_POINT, "x": e7(16.0570), "y": e7(103.6500), "z": 30.0},
        {"command": M.MAV_CMD_NAV_RALLY_POINT, "x": e7(16.0540), "y": e7(103.6520), "z": 25.0},
    ]
    assert gcs.upload(pts, 2) == M.MAV_MISSION_ACCEPTED
    assert gcs.param_get("RALLY_TOTAL") == 2
    got = gcs.download(2)
    assert [(i.x, i.y, i.z) for i in got] == [(p["x"], p["y"], p["z"]) for p in pts]
    assert all(i.autocontinue == 0 and i.frame == M.MAV_FRAME_GLOBAL_RELATIVE_ALT for i in got)
    gcs.m.mav.mission_clear_all_send(1, 1, 2)
    assert gcs.wait("MISSION_ACK", 5, lambda a: a.mission_type == 2).type == M.MAV_MISSION_ACCEPTED
    assert gcs.param_get("RALLY_TOTAL") == 0

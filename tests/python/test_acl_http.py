"""featherChat group rooms (FC-5): the relay's access-list admin routes over real HTTP, the
featherChat helpers that keep a room equal to a group's members (over HTTP and in-process), and
revocation, which disconnects a removed member already in the room with the ACL close code."""
import http.client
import json
import urllib.parse

import pytest

import wzp

TIMEOUT = 10.0
ADMIN = "admin-s3cret"


def request(port: int, method: str, path: str, token=None, body=None):
    """(status, headers with lower-case names, parsed JSON body)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers)
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, json.loads(res.read().decode() or "null")
    finally:
        conn.close()


def join(relay: wzp.Relay, room: str, identity: wzp.Identity) -> wzp.Client:
    return wzp.Client(port=relay.port, room=room, identity=identity).connect(timeout=TIMEOUT)


def refused(relay: wzp.Relay, room: str, identity: wzp.Identity) -> str:
    """The close reason of a join the access list refuses."""
    client = wzp.Client(port=relay.port, room=room, identity=identity)
    client.connect()
    closed = client.wait_for("CLOSED", timeout=TIMEOUT)
    assert closed.close_code_name == "WZP_CLOSE_ACL_DENIED", closed.close_reason
    return closed.close_reason


def assert_evicted(client: wzp.Client) -> None:
    closed = client.wait_for("CLOSED", timeout=TIMEOUT)
    assert closed.close_code_name == "WZP_CLOSE_ACL_DENIED"
    assert "access list changed" in closed.close_reason


def members_in(relay: wzp.Relay, room_name: str) -> set:
    room = wzp.hash_room_name(room_name)
    return {p["fingerprint"] for r in relay.rooms() if r["room"] == room for p in r["participants"]}


@pytest.fixture
def relay():
    with wzp.Relay(acl_enabled=True, metrics_port=0, http_admin_token=ADMIN) as r:
        yield r


def test_a_member_removed_over_http_is_disconnected_and_refused(relay):
    group = [wzp.Identity.generate() for _ in range(4)]
    fps = [m.fingerprint_str for m in group]
    url = f"http://127.0.0.1:{relay.http_port}"
    wzp.featherchat_acl.sync_http(url, ADMIN, "family", fps, timeout_ms=5000)
    clients = [join(relay, "family", m) for m in group]
    assert members_in(relay, "family") == set(fps)

    wzp.featherchat_acl.sync_http(url, ADMIN, "family", fps[:3])  # the fourth leaves the group
    assert_evicted(clients[3])
    assert members_in(relay, "family") == set(fps[:3])
    assert relay.stats()["acl_evicted"] == 1
    assert "is not allowed in room" in refused(relay, "family", group[3])
    assert [c.state for c in clients[:3]] == ["JOINED"] * 3  # the rest of the group stays
    assert relay.acl_json()["rooms"][wzp.hash_room_name("family")] == sorted(fps[:3])
    metrics = relay.metrics()
    assert "wzp_relay_acl_evicted_total 1" in metrics


def test_the_routes_read_and_change_the_list(relay):
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    port, room = relay.http_port, wzp.hash_room_name("staff")
    status, _, body = request(port, "PUT", f"/acl/{room}", ADMIN, json.dumps([alice.fingerprint_str]))
    assert status == 200 and body == {"room": room, "added": 1, "removed": 0, "evicted": 0}
    status, _, body = request(port, "POST", f"/acl/{room}/{bob.fingerprint_str}", ADMIN)
    assert status == 200 and body["allowed"] is True and body["fingerprint"] == bob.fingerprint_str
    status, _, body = request(port, "GET", f"/acl/{room}", ADMIN)
    assert body == {"room": room, "listed": True,
                    "fingerprints": sorted([alice.fingerprint_str, bob.fingerprint_str])}
    # A plain room name with ?name=1, percent-encoded like any path.
    status, _, body = request(port, "GET", "/acl/" + urllib.parse.quote("staff") + "?name=1", ADMIN)
    assert status == 200 and body["room"] == room
    status, _, body = request(port, "GET", "/acl", ADMIN)
    assert status == 200 and body == relay.acl_json() and body["enabled"] is True

    b = join(relay, "staff", bob)
    status, _, body = request(port, "DELETE", f"/acl/{room}/{bob.fingerprint_str}", ADMIN)
    assert status == 200 and body["revoked"] is True and body["evicted"] == 1
    assert_evicted(b)
    refused(relay, "staff", bob)

    a = join(relay, "staff", alice)
    status, _, body = request(port, "PUT", "/acl/staff?name=1", ADMIN, json.dumps({"fingerprints": []}))
    assert status == 200 and body["removed"] == 1 and body["evicted"] == 1
    assert_evicted(a)
    status, _, body = request(port, "DELETE", f"/acl/{room}", ADMIN)
    assert status == 200 and body == {"room": room, "cleared": True, "evicted": 0}
    assert request(port, "GET", f"/acl/{room}", ADMIN)[2]["listed"] is False
    join(relay, "staff", bob)  # unlisted again: the default admits
    assert relay.stats()["acl_evicted"] == 2


def test_errors_are_json_and_counted(relay):
    port, room = relay.http_port, wzp.hash_room_name("staff")
    fp = wzp.Identity.generate().fingerprint_str
    status, headers, body = request(port, "GET", "/acl")
    assert status == 401 and headers["www-authenticate"] == "Bearer" and "error" in body
    assert request(port, "PUT", f"/acl/{room}", "wrong", "[]")[0] == 401
    assert request(port, "DELETE", f"/acl/{room}/{fp}", "wrong")[0] == 401
    for bad in ("not json", "{}", '{"fingerprints": "x"}', "[1]", '["nobody"]'):
        status, _, body = request(port, "PUT", f"/acl/{room}", ADMIN, bad)
        assert status == 400, bad
        assert body["status"] == 400 and body["error"]
    status, _, body = request(port, "PUT", f"/acl/{room}", ADMIN, '["nobody"]')
    assert "fingerprints[0]" in body["error"] and "'nobody' is not valid" in body["error"]
    status, _, body = request(port, "POST", f"/acl/{room}/nobody", ADMIN)
    assert status == 400 and "not valid" in body["error"]
    status, _, body = request(port, "GET", "/acl/general", ADMIN)  # a plain name without ?name=1
    assert status == 400 and "?name=1" in body["error"]
    status, _, body = request(port, "PUT", f"/acl/{room}", ADMIN, "[" + ",".join([f'"{fp}"'] * 3000) + "]")
    assert status == 413 and "error" in body
    status, headers, body = request(port, "POST", f"/acl/{room}", ADMIN, "[]")
    assert status == 405 and headers["allow"] == "GET, HEAD, PUT, DELETE"
    assert relay.acl_json()["rooms"] == {}  # nothing changed
    metrics = relay.metrics()
    assert "wzp_relay_http_unauthorized_total 3" in metrics


def test_without_an_admin_token_the_routes_are_forbidden():
    fp = wzp.Identity.generate().fingerprint_str
    with wzp.Relay(metrics_port=0, http_token="read-token") as relay:
        port, room = relay.http_port, wzp.hash_room_name("staff")
        for method, path in (("GET", "/acl"), ("PUT", f"/acl/{room}"), ("DELETE", f"/acl/{room}/{fp}")):
            status, _, body = request(port, method, path, "read-token", "[]" if method == "PUT" else None)
            assert status == 403 and "no admin token" in body["error"], (method, path)
        with pytest.raises(wzp.AuthRejectedError) as info:
            wzp.featherchat_acl.sync_http(f"http://127.0.0.1:{port}", "anything", "staff", [fp])
        assert "403" in info.value.message
        assert relay.acl_json()["rooms"] == {}


def test_sync_http_errors():
    fp = wzp.Identity.generate().fingerprint_str
    with wzp.Relay(metrics_port=0, http_admin_token=ADMIN) as relay:
        url = f"http://127.0.0.1:{relay.http_port}"
        with pytest.raises(wzp.AuthRejectedError) as info:
            wzp.featherchat_acl.sync_http(url, "wrong", "staff", [fp])
        assert "401" in info.value.message
        with pytest.raises(wzp.WzpError) as info:
            wzp.featherchat_acl.sync_http(url, ADMIN, "staff", ["nobody"])
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT" and "fingerprints[0]" in info.value.message
        with pytest.raises(wzp.WzpError) as info:
            wzp.featherchat_acl.sync_http("ftp://x", ADMIN, "staff", [fp])
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
        with pytest.raises(wzp.WzpError) as info:
            wzp.featherchat_acl.sync_http(url + "/nowhere", ADMIN, "staff", [fp])
        assert info.value.name == "WZP_ERR_IO" and "404" in info.value.message
    with pytest.raises(wzp.WzpError) as info:  # the relay is gone
        wzp.featherchat_acl.sync_http(url, ADMIN, "staff", [fp], timeout_ms=2000)
    assert info.value.name in ("WZP_ERR_IO", "WZP_ERR_TIMEOUT")


def test_sync_relay_in_process():
    group = [wzp.Identity.generate() for _ in range(4)]
    fps = [m.fingerprint_str for m in group]
    with wzp.Relay(acl_enabled=True) as relay:
        assert wzp.featherchat_acl.sync_relay(relay, "family", fps) == (4, 0)
        clients = [join(relay, "family", m) for m in group]
        assert wzp.featherchat_acl.sync_relay(relay, "family", fps[1:]) == (0, 1)
        assert_evicted(clients[0])
        refused(relay, "family", group[0])
        assert members_in(relay, "family") == set(fps[1:])
        assert wzp.featherchat_acl.sync_relay(relay, "family", fps[1:]) == (0, 0)
        assert relay.stats()["acl_evicted"] == 1
        with pytest.raises(wzp.WzpError) as info:
            wzp.featherchat_acl.sync_relay(relay, "family", fps + ["nobody"])
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
        assert members_in(relay, "family") == set(fps[1:])


def test_revocation_through_the_relay_api_disconnects():
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    with wzp.Relay(acl_enabled=True) as relay:
        relay.acl_allow_room_name("staff", alice.fingerprint_str)
        relay.acl_allow_room_name("staff", bob.fingerprint_str)
        a, b = join(relay, "staff", alice), join(relay, "staff", bob)
        relay.acl_revoke_room_name("staff", bob.fingerprint_str)
        assert_evicted(b)
        assert members_in(relay, "staff") == {alice.fingerprint_str}
        relay.acl_set_default_deny(True)
        relay.acl_clear_room(wzp.hash_room_name("staff"))  # unlisted under default-deny: alice goes
        assert_evicted(a)
        assert relay.stats()["acl_evicted"] == 2

"""featherChat group calls, presence and the choice of relay, in Python.

A relay runs in this process with its access list on and an admin token for its HTTP API; a
small HTTP server stands in for featherChat's, answering GET /v1/wzp/relay-config. Then:

  1. relay-config and presence: the caller reads featherChat's relay-config, watches the
     group's members online, and chooses the relay for a call to one of them;
  2. a group call: featherChat's server makes the relay room's access list equal to the
     group "Design team" (four members) over the relay's HTTP API; each member joins the room
     named after the group and all four talk at once: each hears the three others;
  3. a member leaves the group: featherChat's server syncs again; the relay disconnects dave
     with the ACL close code and refuses him when he tries to join again; presence sees him go.

Prints each step; exits non-zero if a step goes otherwise.
"""
import http.server
import json
import math
import sys
import threading
import time
from array import array

import wzp
from wzp import featherchat_acl
from wzp import featherchat_net as fcn

ADMIN_TOKEN = "relay-admin-token"  # the relay operator gives it to featherChat's server
GROUP = "Design team"
TIMEOUT = 15.0


class FeatherChatServer:
    """A stand-in for featherChat's server: GET /v1/wzp/relay-config names the relay."""

    def __init__(self, relay_addr):
        answer = json.dumps({"relay_addr": relay_addr, "web_bridge_url": None, "relays": []}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                found = self.path == "/v1/wzp/relay-config"
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer if found else b'{"error":"not found"}')

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def fail(why):
    sys.exit(f"featherchat_group: {why}")


def tone(hz):
    return array("h", (int(6000 * math.sin(i * 2 * math.pi * hz / 48000)) for i in range(960)))


def watch_the_group(relay, relay_addr, members):
    presence = fcn.Presence(poll_interval_ms=200)
    presence.add_relay(relay, relay_addr)
    for identity in members.values():
        presence.watch(identity.fingerprint_str)
    presence.start()
    return presence


def choose_the_relay(featherchat_url, presence, callee):
    config = fcn.fetch_relay_config(featherchat_url + "/v1/wzp/relay-config")
    relay, reason = fcn.choose_relay("callee", callee=callee, presence=presence, config=config)
    return relay, reason


def join_the_group_call(relay_port, identity):
    client = wzp.Client(port=relay_port, room=GROUP, identity=identity).connect(timeout=TIMEOUT)
    return client, wzp.Call(client)


def group_call(relay, members, presence):
    print(f"2. group call in {GROUP!r}")
    admin_url = f"http://127.0.0.1:{relay.http_port}"
    group = [identity.fingerprint_str for identity in members.values()]
    featherchat_acl.sync_http(admin_url, ADMIN_TOKEN, GROUP, group)
    print(f"  featherChat's server: the room's access list is the group's {len(group)} members")

    joined = {name: join_the_group_call(relay.port, identity) for name, identity in members.items()}
    online = set()
    for event in presence.events(timeout=TIMEOUT):
        if event["type"] == "ONLINE":
            online.add(event["fingerprint"])
        if online == set(group):
            break
    else:
        fail(f"presence saw only {len(online)} of the group online")
    print("  presence: all four online at", presence.lookup(members["alice"].fingerprint_str)[0])

    voices = {name: tone(300 + 100 * i) for i, name in enumerate(members)}
    for _ in range(75):  # 1.5 s, everyone at once, paced in real time
        for name, (_, call) in joined.items():
            call.send_pcm(voices[name])
        time.sleep(0.02)
    time.sleep(0.5)
    for name, (_, call) in joined.items():
        heard, played = len(call.sources()), call.stats()["played"]
        print(f"  {name:5} hears {heard} others, {played} frames played")
        if heard != 3 or played < 3 * 40:
            fail(f"{name} did not hear the three others")
    return joined


def remove_a_member(relay, members, joined, presence):
    print("3. dave leaves the group")
    admin_url = f"http://127.0.0.1:{relay.http_port}"
    remaining = [identity.fingerprint_str for name, identity in members.items() if name != "dave"]
    featherchat_acl.sync_http(admin_url, ADMIN_TOKEN, GROUP, remaining)
    closed = joined["dave"][0].wait_for("CLOSED", timeout=TIMEOUT)
    print(f"  dave is disconnected: {closed.close_code_name} ({closed.close_reason})")
    if closed.close_code_name != "WZP_CLOSE_ACL_DENIED":
        fail("dave was not disconnected by the access list")
    try:
        join_the_group_call(relay.port, members["dave"])
        fail("dave joined again")
    except wzp.WzpError as refused:
        print(f"  dave tries again: refused, {refused.name}: {refused.message}")
    presence.wait_for("OFFLINE", members["dave"].fingerprint_str, timeout=TIMEOUT)
    print("  presence: dave is offline")
    states = {name: client.state for name, (client, _) in joined.items() if name != "dave"}
    if set(states.values()) != {"JOINED"}:
        fail(f"the rest of the group was harmed: {states}")
    print("  the other three are still in the call")


def main():
    members = {name: wzp.Identity.generate() for name in ("alice", "bob", "carol", "dave")}
    # trunking: each member's voice reaches the others tagged with its sender, heard apart.
    with wzp.Relay(acl_enabled=True, metrics_port=0, http_admin_token=ADMIN_TOKEN, trunking=True) as relay:
        relay_addr = f"127.0.0.1:{relay.port}"
        featherchat = FeatherChatServer(relay_addr)
        print("relay at", relay_addr, "- featherChat stand-in at", featherchat.url)
        presence = watch_the_group(relay, relay_addr, members)

        print("1. relay-config and presence")
        relay_for_bob, reason = choose_the_relay(featherchat.url, presence, members["bob"].fingerprint_str)
        print(f"  bob is offline: call him at {relay_for_bob} ({reason})")
        if (relay_for_bob, reason) != (relay_addr, "CONFIG_DEFAULT"):
            fail("the relay-config default was not chosen")

        joined = group_call(relay, members, presence)
        relay_for_bob, reason = choose_the_relay(featherchat.url, presence, members["bob"].fingerprint_str)
        print(f"  bob is online now: call him at {relay_for_bob} ({reason})")
        if reason != "CALLEE_ONLINE":
            fail("bob's relay was not chosen")

        remove_a_member(relay, members, joined, presence)
        for client, call in joined.values():
            call.close()
            if client.state == "JOINED":
                client.hangup()
        presence.close()
        featherchat.close()
    print("featherchat_group: done")


if __name__ == "__main__":
    main()

"""featherChat calls in Python: alice, bob and carol each run a wzp.featherchat.CallManager, a
relay runs in this process, and a queue stands in for featherChat's server: every SEND event's
CallSignal goes into it and comes out at the manager of its target. Four runs:

  1. answered: alice calls bob, bob answers; both join the relay room, alice's voice (a tone)
     reaches bob; alice hangs up;
  2. missed:   nobody answers; after the ring timeout bob gets the 39-byte missed-call record;
  3. busy:     bob is in a call with carol when alice calls: alice's call ends BUSY;
  4. encrypted: alice calls bob end to end (keys from their own offer and answer): bob hears her
     through a relay that cannot, and both read the same safety words.

Prints each step; exits non-zero if a run goes otherwise.
"""
import math
import queue
import sys
import time
from array import array

import wzp
from wzp.featherchat import CallManager, missed_call_decode


class FeatherChat:
    """The message channel: CallSignals queued in order, delivered to their target."""

    def __init__(self):
        self.messages = queue.Queue()
        self.users = {}  # fingerprint -> (name, CallManager)
        self.last_state = {}  # name -> the last STATE event
        self.missed = []  # (name, record)

    def join(self, name, identity, **config):
        manager = CallManager(identity, **config)
        self.users[identity.fingerprint_str] = (name, manager)
        return manager

    def leave_all(self):
        for _, manager in self.users.values():
            manager.close()
        self.users.clear()
        self.last_state.clear()

    def pump(self):
        """Hand each user's events out once: SENDs into the channel, then deliver the channel."""
        for name, manager in list(self.users.values()):
            for event in manager.events():
                if event["type"] == "SEND":
                    self.messages.put((event["target"], event["bincode"]))
                elif event["type"] == "STATE":
                    end = " " + event["end"] if event["state"] == "ENDED" else ""
                    print(f"  {name:5} call {event['call_id'][:8]}: {event['previous_state']} -> {event['state']}{end}")
                    self.last_state[name] = event
                elif event["type"] == "MISSED":
                    print(f"  {name:5} missed-call record ({len(event['missed_call'])} bytes):",
                          missed_call_decode(event["missed_call"]))
                    self.missed.append((name, event["record"]))
        while not self.messages.empty():
            target, message = self.messages.get()
            if target in self.users:
                self.users[target][1].receive(message)

    def wait(self, name, state, end="NONE", timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            last = self.last_state.get(name)
            if last and last["state"] == state and (state != "ENDED" or last["end"] == end):
                return
            time.sleep(0.01)
        sys.exit(f"{name} never reached {state} {end}")


def answered_call(fc, ids, relay_addr):
    print("1. answered call")
    alice = fc.join("alice", ids["alice"], default_relay=relay_addr)
    bob = fc.join("bob", ids["bob"], default_relay=relay_addr)
    call_id = alice.place_call(ids["bob"].fingerprint_str, room="alice-and-bob")
    fc.wait("bob", "RINGING")
    bob.accept(call_id)
    fc.wait("alice", "ACTIVE")
    fc.wait("bob", "ACTIVE")
    tone = array("h", (int(8000 * math.sin(i * 2 * math.pi / 96)) for i in range(960)))
    for _ in range(100):  # 2 s of a 500 Hz tone, paced in real time
        alice.media(call_id).send_pcm(tone)
        time.sleep(0.02)
    time.sleep(0.3)
    stats = bob.media(call_id).stats()
    print(f"  bob received {stats['received']} packets and played {stats['played']} frames of alice's voice")
    if stats["played"] < 50:
        sys.exit("too little of alice's voice reached bob")
    alice.hangup(call_id)
    fc.wait("bob", "ENDED", "HANGUP")
    fc.wait("alice", "ENDED", "HANGUP")
    fc.leave_all()


def missed_call(fc, ids, relay_addr):
    print("2. missed call (ring timeout 1 s)")
    alice = fc.join("alice", ids["alice"], default_relay=relay_addr, ring_timeout_ms=1000)
    fc.join("bob", ids["bob"], default_relay=relay_addr, ring_timeout_ms=1000)
    alice.place_call(ids["bob"].fingerprint_str)
    fc.wait("bob", "ENDED", "MISSED")
    fc.wait("alice", "ENDED", "MISSED")
    if [name for name, _ in fc.missed] != ["bob"]:
        sys.exit(f"missed-call records: {fc.missed}")
    fc.leave_all()


def busy_call(fc, ids, relay_addr):
    print("3. busy callee")
    managers = {name: fc.join(name, identity, default_relay=relay_addr) for name, identity in ids.items()}
    first = managers["carol"].place_call(ids["bob"].fingerprint_str)
    fc.wait("bob", "RINGING")
    managers["bob"].accept(first)
    fc.wait("bob", "ACTIVE")
    managers["alice"].place_call(ids["bob"].fingerprint_str)
    fc.wait("alice", "ENDED", "BUSY")
    state = managers["bob"].call(first)["state"]
    print("  bob's call with carol goes on:", state)
    if state != "active":
        sys.exit("bob's call with carol did not survive alice's call")
    managers["carol"].hangup(first)
    fc.wait("bob", "ENDED", "HANGUP")
    fc.leave_all()


def encrypted_call(fc, ids, relay_addr):
    print("4. end-to-end encrypted call (the relay forwards what it cannot read)")
    alice = fc.join("alice", ids["alice"], default_relay=relay_addr, e2e="required")
    bob = fc.join("bob", ids["bob"], default_relay=relay_addr, e2e="required")
    call_id = alice.place_call(ids["bob"].fingerprint_str)
    fc.wait("bob", "RINGING")
    bob.accept(call_id)
    fc.wait("alice", "ACTIVE")
    fc.wait("bob", "ACTIVE")
    tone = array("h", (int(8000 * math.sin(i * 2 * math.pi / 96)) for i in range(960)))
    for _ in range(50):
        alice.media(call_id).send_pcm(tone)
        time.sleep(0.02)
    time.sleep(0.3)
    heard = bob.media(call_id)
    print(f"  bob opened {heard.stats()['e2e_decrypted']} sealed datagrams; keys from the call's "
          f"{heard.e2e_state()['keys_from']}")
    words = (alice.media(call_id).safety_words(), heard.safety_words())
    print(f"  safety words: alice reads \"{words[0]}\", bob reads \"{words[1]}\"")
    if words[0] != words[1] or heard.stats()["e2e_decrypted"] < 25:
        sys.exit("the encrypted call did not carry alice's voice under the same keys")
    alice.hangup(call_id)
    fc.wait("bob", "ENDED", "HANGUP")
    fc.wait("alice", "ENDED", "HANGUP")
    fc.leave_all()


def main():
    ids = {name: wzp.Identity.generate() for name in ("alice", "bob", "carol")}
    with wzp.Relay(port=0) as relay:
        relay_addr = f"127.0.0.1:{relay.port}"
        print("relay at", relay_addr)
        fc = FeatherChat()
        answered_call(fc, ids, relay_addr)
        missed_call(fc, ids, relay_addr)
        busy_call(fc, ids, relay_addr)
        encrypted_call(fc, ids, relay_addr)
    print("featherchat_call: done")


if __name__ == "__main__":
    main()

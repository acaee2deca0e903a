"""End-to-end encrypted calls through a real relay (docs/SECURITY.md): the relay forwards what it
cannot read, members decrypt each other, a ghost the relay could add and a removed member learn
nothing, tampered and replayed frames are refused and counted, and a key rotation under loss
loses no frame of its own. Audio is real (tones and espeak-ng speech through Opus)."""
import time
from array import array

import pytest

import wzp
from probes import FRAME, poll, power, tone

TIMEOUT = 10.0
MARKER_OFFSET, MARKER = 11, 0xE2  # the media header byte that says "SFrame payload"


class Member:
    """A client in the room, with its identity and (optionally) an encrypted call."""

    def __init__(self, relay, room, identity=None, **client_options):
        self.identity = identity or wzp.Identity.generate()
        self.fp = self.identity.fingerprint_str
        self.client = wzp.Client(port=relay.port, room=room, identity=self.identity, **client_options).connect(TIMEOUT)
        self.call = None
        self.heard = array("h")

    def start_call(self, **options):
        self.call = wzp.Call(self.client, **options)
        return self

    def close(self):
        if self.call is not None:
            self.call.close()
        self.client.hangup()


def run(members, seconds, tones=None, sample=None):
    """Paced in real time: each member in `tones` sends its tone (the others silence) and every
    member with a call records its mix. `sample(i)` runs every frame (for the test's probes)."""
    tones = tones or {}
    frames = int(seconds * 50)
    start = time.monotonic()
    for i in range(frames):
        for m in members:
            if m.call is None:
                continue
            hz = tones.get(m.fp)
            m.call.send_pcm(tone(hz, i * FRAME) if hz else bytes(2 * FRAME))
            while True:
                got = m.call.read_pcm(None, FRAME, timeout=0)
                if got is None:
                    break
                m.heard.extend(got)
        if sample:
            sample(i)
        delay = start + (i + 1) * 0.02 - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def sframe_ctr(datagram):
    """(offset, length) of the SFrame CTR in an encrypted datagram (RFC 9605 §4.3 header after the
    12-byte media header); length 0 when the CTR sits in the config byte."""
    cfg = datagram[12]
    kid_len = ((cfg >> 4) & 7) + 1 if cfg & 0x80 else 0
    ctr_len = (cfg & 7) + 1 if cfg & 0x08 else 0
    return 13 + kid_len, ctr_len


def keyed(member, others):
    """True when `member` holds a working key of every one of `others`."""
    state = {p["fingerprint"]: p["state"] for p in member.call.e2e_state()["participants"]}
    return all(state.get(o.fp) == "ok" for o in others)


@pytest.fixture
def relay():
    r = wzp.Relay(trunking=True).start()
    yield r
    r.stop()


def test_a_room_of_four_hears_each_other_and_the_relay_forwards_only_ciphertext(relay):
    tones = [440, 660, 880, 1100]
    members = [Member(relay, "e2e-four") for _ in tones]
    fps = [m.fp for m in members]
    # A participant of the relay's own (no key, no call): it receives exactly what the relay forwards.
    tap = Member(relay, "e2e-four")
    try:
        for m in members:
            m.start_call(e2e="required", e2e_members=fps)
        assert poll(lambda: all(keyed(m, [o for o in members if o is not m]) for m in members)), \
            [m.call.e2e_state() for m in members]
        run(members, 2.0, tones=dict(zip(fps, tones)))
        for me, own in zip(members, tones):
            tail = me.heard[len(me.heard) // 2:]
            for other in tones:
                p = power(tail, other)
                if other == own:
                    continue
                assert p > 1e5, f"{me.fp} does not hear the {other} Hz member ({p:.0f})"
        # Every member reads the same safety words: they hold the same keys.
        words = {m.call.safety_words() for m in members}
        assert len(words) == 1 and len(next(iter(words)).split()) == 5
        for m in members:
            state = m.call.e2e_state()
            assert state["sending"] == "encrypted" and state["frames"]["decrypt_failed"] == 0
            stats = m.call.stats()
            assert stats["e2e_decrypted"] > 0 and stats["e2e_encrypted"] > 0 and stats["e2e_decrypt_failed"] == 0
        # What the relay forwarded: every datagram marked encrypted, none with a readable payload
        # (Opus frames of a tone repeat; ciphertexts under per-frame nonces do not).
        forwarded = [e.data for e in tap.client.events(0) if e.type == "MEDIA"]
        assert len(forwarded) > 100
        assert all(len(d) > 12 and d[MARKER_OFFSET] == MARKER for d in forwarded)
        payloads = [d[12:] for d in forwarded]
        assert len(set(payloads)) == len(payloads), "a payload repeated: not encrypted per frame"
    finally:
        for m in members + [tap]:
            m.close()


def test_a_ghost_participant_gets_no_key_and_hears_nothing(relay):
    alice, bob = Member(relay, "e2e-ghost"), Member(relay, "e2e-ghost")
    ghost = Member(relay, "e2e-ghost")  # e.g. added by a relay: not in featherChat's member list
    try:
        fps = [alice.fp, bob.fp]
        alice.start_call(e2e="required", e2e_members=fps)
        bob.start_call(e2e="required", e2e_members=fps)
        # The ghost runs our library too, and asks for keys with its own Hello: nobody answers.
        ghost.start_call(e2e="required")
        assert poll(lambda: keyed(alice, [bob]) and keyed(bob, [alice]))
        run([alice, bob, ghost], 1.5, tones={alice.fp: 440, bob.fp: 660})
        g = ghost.call.e2e_state()
        assert g["frames"]["decrypted"] == 0
        assert g["keys"]["key_shares_received"] == 0
        assert all(p["state"] != "ok" for p in g["participants"])
        assert power(ghost.heard, 440) < 1e3 and power(ghost.heard, 660) < 1e3
        # The members saw it, refused what it sent, and say so per participant.
        for m in (alice, bob):
            state = m.call.e2e_state()
            ghost_view = [p for p in state["participants"] if p["fingerprint"] == ghost.fp]
            assert ghost_view and ghost_view[0]["state"] == "unauthorised"
            assert state["keys"]["unauthorised"] >= 1
        events = [e for e in alice.client.events(0) if e.type == "CALL_E2E" and e.fingerprint == ghost.fp]
        assert events and events[-1].e2e_state == "unauthorised"
    finally:
        for m in (alice, bob, ghost):
            m.close()


def test_a_removed_member_cannot_read_what_follows(relay):
    members = [Member(relay, "e2e-remove") for _ in range(3)]
    alice, bob, carol = members
    fps = [m.fp for m in members]
    try:
        for m in members:
            m.start_call(e2e="required", e2e_members=fps)
        assert poll(lambda: all(keyed(m, [o for o in members if o is not m]) for m in members))
        run(members, 0.6, tones={alice.fp: 440})
        assert carol.call.e2e_state()["frames"]["decrypted"] > 0
        words_before = alice.call.safety_words()
        # featherChat removes carol from the group; the relay (say, a hostile one) keeps forwarding to her.
        for m in (alice, bob):
            m.call.set_members([alice.fp, bob.fp])
        assert poll(lambda: alice.call.e2e_state()["keys"]["rotations"] == 1)
        assert poll(lambda: keyed(bob, [alice]))
        carol_before = carol.call.e2e_state()["participants"]
        opened_before = {p["fingerprint"]: p["decrypted"] for p in carol_before}
        bob_before = bob.call.stats()["e2e_decrypted"]
        carol.heard = array("h")
        run(members, 1.0, tones={alice.fp: 440, bob.fp: 660})
        after = {p["fingerprint"]: p for p in carol.call.e2e_state()["participants"]}
        # Nothing alice or bob sent after the removal opened at carol; bob still hears alice.
        for fp in (alice.fp, bob.fp):
            assert after[fp]["decrypted"] == opened_before.get(fp, 0), after[fp]
        assert bob.call.stats()["e2e_decrypted"] > bob_before
        assert power(carol.heard[len(carol.heard) // 2:], 440) < 1e3
        assert alice.call.safety_words() == bob.call.safety_words() != words_before
    finally:
        for m in members:
            m.close()


def test_a_leave_rotates_the_key_and_a_join_ratchets_it(relay):
    alice, bob, carol = (Member(relay, "e2e-churn") for _ in range(3))
    try:
        for m in (alice, bob, carol):
            m.start_call(e2e="required")  # no member list: everyone in the room (a warning is logged)
        assert poll(lambda: keyed(alice, [bob, carol]) and keyed(bob, [alice, carol]))
        carol.close()
        assert poll(lambda: alice.call.e2e_state()["keys"]["rotations"] == 1)
        dave = Member(relay, "e2e-churn").start_call(e2e="required")
        assert poll(lambda: keyed(dave, [alice, bob]) and keyed(alice, [bob, dave]))
        assert alice.call.e2e_state()["keys"]["ratchets"] >= 1
        run([alice, bob, dave], 1.0, tones={alice.fp: 440})
        assert power(dave.heard[len(dave.heard) // 2:], 440) > 1e5
        assert power(bob.heard[len(bob.heard) // 2:], 440) > 1e5
    finally:
        for m in (alice, bob, carol):
            m.close()
        dave.close()


def test_tampered_and_replayed_frames_are_refused_and_counted(relay):
    alice, bob = Member(relay, "e2e-tamper"), Member(relay, "e2e-tamper")
    mallory = Member(relay, "e2e-tamper")  # a participant (or the relay) injecting datagrams
    try:
        fps = [alice.fp, bob.fp]
        alice.start_call(e2e="required", e2e_members=fps)
        bob.start_call(e2e="required", e2e_members=fps)
        assert poll(lambda: keyed(bob, [alice]))
        run([alice, bob], 0.6, tones={alice.fp: 440})
        captured = [e.data for e in mallory.client.events(0) if e.type == "MEDIA" and e.data[MARKER_OFFSET] == MARKER]
        assert len(captured) > 10
        before = bob.call.stats()
        replays = captured[-5:]
        for d in replays:
            mallory.client.send_media(d)
        # Forged frames must carry a CTR bob has not seen (a seen one is refused as a replay before
        # any decryption): each below moves the CTR forward by 128, then changes one more thing.
        fresh = [d for d in captured if sframe_ctr(d)[1] == 1 and d[sframe_ctr(d)[0]] < 0x80][:6]
        assert len(fresh) == 6
        flipped = []
        for n, d in enumerate(fresh):
            b = bytearray(d)
            b[sframe_ctr(d)[0]] |= 0x80
            if n == 1:
                b[-3] ^= 0x01  # the tag too
            elif n == 2:
                b[2] ^= 0x80  # the media header's sequence number: authenticated, though the relay reads it
            elif n == 3:
                b[20] ^= 0x10  # the ciphertext
            flipped.append(bytes(b))
        for d in flipped:
            mallory.client.send_media(d)
        clear = wzp.build_media_packet(wzp.MediaHeader(codec=0, seq=9, timestamp=180), b"\x00" * 40)
        mallory.client.send_media(clear)
        assert poll(lambda: bob.call.stats()["e2e_replayed"] - before["e2e_replayed"] == len(replays)
                          and bob.call.stats()["e2e_decrypt_failed"] - before["e2e_decrypt_failed"] == len(flipped)
                          and bob.call.stats()["e2e_clear_refused"] - before["e2e_clear_refused"] == 1), \
            bob.call.e2e_state()["frames"]
        # The call goes on.
        run([alice, bob], 0.6, tones={alice.fp: 440})
        assert bob.call.stats()["e2e_decrypted"] > before["e2e_decrypted"]
    finally:
        for m in (alice, bob, mallory):
            m.close()


def test_a_key_rotation_under_loss_loses_no_frame_of_its_own(relay):
    alice, bob, carol = (Member(relay, "e2e-loss") for _ in range(3))
    try:
        fps = [alice.fp, bob.fp, carol.fp]
        alice.start_call(e2e="required", e2e_members=fps)
        bob.start_call(e2e="required", e2e_members=fps, impair_loss_pct=20, impair_seed=7)
        carol.start_call(e2e="required", e2e_members=fps)
        assert poll(lambda: keyed(bob, [alice]))
        run([alice, bob, carol], 0.5, tones={alice.fp: 440})
        carol.close()  # alice's key rotates while her frames reach bob through 20 % loss
        run([alice, bob], 1.5, tones={alice.fp: 440})
        assert alice.call.e2e_state()["keys"]["rotations"] == 1
        frames = bob.call.e2e_state()["frames"]
        # Frames sent under the new key before it reached bob were held, then opened: none lost to it.
        assert frames["missing_key"] == 0 and frames["decrypt_failed"] == 0, frames
        assert power(bob.heard[len(bob.heard) // 2:], 440) > 1e5
    finally:
        for m in (alice, bob, carol):
            m.close()


def test_preferred_falls_back_to_clear_for_a_member_without_e2e_and_says_so(relay):
    alice = Member(relay, "e2e-preferred").start_call(e2e="preferred")
    legacy = Member(relay, "e2e-preferred").start_call()  # no end-to-end support (as the reference)
    try:
        # After its grace (3 s) without a Hello from legacy, alice's media go clear (checked as media flow).
        for _ in range(40):
            run([alice, legacy], 0.2, tones={alice.fp: 440})
            if alice.call.e2e_state()["sending"] == "clear":
                break
        assert alice.call.e2e_state()["sending"] == "clear"
        legacy.heard = array("h")
        run([alice, legacy], 1.0, tones={alice.fp: 440})
        assert power(legacy.heard[len(legacy.heard) // 2:], 440) > 1e5
        ev = [e for e in alice.client.events(0) if e.type == "CALL_E2E" and e.fingerprint is None]
        assert ev and ev[-1].e2e_state == "clear" and legacy.fp in ev[-1].data.decode()
        assert legacy.fp in alice.call.e2e_state()["clear_reason"]
    finally:
        alice.close()
        legacy.close()


def test_required_refuses_a_relay_without_room_signals_and_preferred_goes_clear(relay):
    quiet = Member(relay, "e2e-reference", session_mode="reference")  # no room extension
    try:
        with pytest.raises(wzp.WzpError) as info:
            wzp.Call(quiet.client, e2e="required")
        assert info.value.name == "WZP_ERR_INVALID_STATE" and "room signals" in str(info.value)
        call = wzp.Call(quiet.client, e2e="preferred")
        assert call.e2e_state()["sending"] == "clear"
        with pytest.raises(wzp.WzpError):
            call.safety_words()
        call.close()
    finally:
        quiet.close()


def test_bad_arguments():
    with wzp.Relay() as relay:
        m = Member(relay, "e2e-args")
        try:
            with pytest.raises(ValueError):
                wzp.Call(m.client, e2e="sometimes")
            with pytest.raises(wzp.WzpError) as info:
                wzp.Call(m.client, e2e="required", e2e_members=["not a fingerprint"])
            assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
            plain = wzp.Call(m.client)
            with pytest.raises(wzp.WzpError) as state:
                plain.e2e_state()
            assert state.value.name == "WZP_ERR_INVALID_STATE"
            plain.close()
        finally:
            m.close()

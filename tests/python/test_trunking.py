"""Trunked forwarding from Python: Relay(trunking=True) batches each sender's media into
TrunkFrames for clients that accept them; the client still reports one MEDIA event per packet."""
import wzp

TIMEOUT = 10.0


def media(sender: int, seq: int) -> bytes:
    payload = f"sender {sender} packet {seq}".encode()
    return wzp.build_media_packet(wzp.MediaHeader(codec=0, seq=seq, timestamp=20 * seq), payload)


def received(client: wzp.Client, count: int):
    return [client.wait_for("MEDIA", timeout=TIMEOUT).data for _ in range(count)]


def test_trunking_end_to_end():
    with wzp.Relay(trunking=True) as relay:
        senders = [wzp.Client(port=relay.port, room="t").connect(TIMEOUT) for _ in range(2)]
        trunked = wzp.Client(port=relay.port, room="t").connect(TIMEOUT)
        plain = wzp.Client(port=relay.port, room="t", accept_trunking=False).connect(TIMEOUT)
        for seq in range(20):
            for s, client in enumerate(senders):
                client.send_media(media(s, seq))
        for receiver in (trunked, plain):
            got = received(receiver, 40)
            for s in range(2):
                sent = [media(s, q) for q in range(20)]
                assert [p for p in got if p in sent] == sent  # intact, and in the sender's order
        assert trunked.stats()["trunk_packets_unpacked"] == 40
        assert trunked.stats()["trunk_frames_received"] >= 1
        assert trunked.stats()["trunk_frames_malformed"] == 0
        assert plain.stats()["trunk_frames_received"] == 0
        stats = relay.stats()
        assert stats["trunk_frames_sent"] >= 1
        # Every packet of each sender to the other sender and to the trunking client.
        assert stats["trunk_packets_batched"] == 2 * 20 * 2
        assert [p["trunking"] for p in relay.rooms()[0]["participants"]] == [True, True, True, False]
        for c in senders + [trunked, plain]:
            c.hangup()


def test_trunking_is_off_by_default():
    with wzp.Relay() as relay:
        a = wzp.Client(port=relay.port, room="p").connect(TIMEOUT)
        b = wzp.Client(port=relay.port, room="p").connect(TIMEOUT)
        a.send_media(media(0, 0))
        assert received(b, 1) == [media(0, 0)]
        assert relay.stats()["trunk_packets_batched"] == 0
        assert b.stats()["trunk_frames_received"] == 0
        a.hangup()
        b.hangup()

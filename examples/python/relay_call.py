import wzp

with wzp.Relay(port=0, max_room_size=2) as relay:
    alice = wzp.Client(port=relay.port, room="general").connect(timeout=10)
    bob = wzp.Client(port=relay.port, room="general").connect(timeout=10)
    print("bob sees", bob.wait_for("PEER_JOINED", timeout=5).fingerprint, "in the room")
    header = wzp.MediaHeader(codec=0, seq=1, timestamp=20)
    alice.send_media(wzp.build_media_packet(header, b"hello bob"))
    _, payload, _ = wzp.parse_media_packet(bob.wait_for("MEDIA", timeout=5).data)
    print("bob heard:", payload.decode(), "via relay", bob.relay_fingerprint)
    try:
        wzp.Client(port=relay.port, room="general").connect(timeout=10)
    except wzp.RoomFullError as refused:
        print("carol refused:", refused.name, hex(refused.close_code), refused.close_origin)
    alice.hangup()
    print("bob: alice left,", bob.wait_for("PEER_LEFT", timeout=5).close_reason)
    bob.hangup()
    print("relay forwarded", relay.stats()["datagrams_forwarded"], "datagram(s)")

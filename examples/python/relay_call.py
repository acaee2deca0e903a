import wzp

with wzp.Relay(port=0) as relay:
    alice = wzp.Client(port=relay.port, room="general").connect(timeout=10)
    bob = wzp.Client(port=relay.port, room="general").connect(timeout=10)
    header = wzp.MediaHeader(codec=0, seq=1, timestamp=20)
    alice.send_media(wzp.build_media_packet(header, b"hello bob"))
    event = bob.wait_for("MEDIA", timeout=5)
    _, payload, _ = wzp.parse_media_packet(event.data)
    print("bob heard:", payload.decode(), "via relay", bob.relay_fingerprint)
    print("rooms:", [(r["room"], len(r["participants"])) for r in relay.rooms()])
    alice.hangup()
    bob.hangup()
    print("relay forwarded", relay.stats()["datagrams_forwarded"], "datagram(s)")

"""A messenger's call flow in asyncio, the same as examples/c/messenger.c:

- a relay in this process (rooms of at most two) and three clients;
- alice joins "general"; bob joins and both learn of the other (PEER_JOINED);
- alice sends a media packet, bob receives it; bob sends alice a peer signal;
- carol tries the full room and is refused with wzp.RoomFullError;
- alice hangs up: bob sees PEER_LEFT with the reason, alice's events end cleanly.

Run: python messenger.py (exits 0 once every step happened, raises otherwise).
"""
import asyncio

import wzp

STEP_TIMEOUT = 20.0  # seconds; generous, so slow machines and sanitizers pass too


async def next_of(client: wzp.Client, *types: wzp.EventType) -> wzp.Event:
    """The next event of one of `types` (the others, such as STATE, are skipped)."""
    async for event in client.events():
        if event.type in types:
            return event
    raise RuntimeError(f"the client closed before {[t.value for t in types]}")


async def main() -> None:
    async with wzp.Relay(max_room_size=2) as relay:
        print("relay: listening on", relay.address)
        alice_id = wzp.Identity.generate()
        async with wzp.Client(host="localhost", port=relay.port, room="general", identity=alice_id) as alice:
            print("alice: joined, relay", alice.relay_fingerprint)
            async with wzp.Client(host="localhost", port=relay.port, room="general") as bob:
                print("bob: joined")
                seen = await asyncio.wait_for(next_of(bob, wzp.EventType.PEER_JOINED), STEP_TIMEOUT)
                print("bob: peer", seen.fingerprint, "is here")
                seen = await asyncio.wait_for(next_of(alice, wzp.EventType.PEER_JOINED), STEP_TIMEOUT)
                print("alice: peer", seen.fingerprint, "joined;", len(alice.peers()), "peer(s) in the room")

                header = wzp.MediaHeader(codec=0, seq=1, timestamp=20)
                alice.send_media(wzp.build_media_packet(header, b"20 ms of opus"))
                media = await asyncio.wait_for(next_of(bob, wzp.EventType.MEDIA), STEP_TIMEOUT)
                print("bob: media packet of", len(media.data), "bytes")

                bob.send_peer_signal(b'{"hello":"from bob"}', to=alice_id.fingerprint_str)
                signal = await asyncio.wait_for(next_of(alice, wzp.EventType.PEER_SIGNAL), STEP_TIMEOUT)
                print("alice: signal from", signal.fingerprint, signal.data.decode())

                try:
                    async with wzp.Client(host="localhost", port=relay.port, room="general"):
                        raise RuntimeError("carol joined a full room")
                except wzp.RoomFullError as refused:
                    print(f"carol: refused with {refused.name} ({refused.close_origin}): {refused.message}")

                alice.hangup()
                left = await asyncio.wait_for(next_of(bob, wzp.EventType.PEER_LEFT), STEP_TIMEOUT)
                print("bob: peer", left.fingerprint, "left:", left.close_reason)
                async for event in alice.events():  # ends cleanly: the hangup is not an error
                    if event.type == wzp.EventType.CLOSED:
                        print("alice: closed:", event.close_code_name)
    print("messenger: done")


if __name__ == "__main__":
    asyncio.run(main())

"""A relay and two clients in one asyncio program: connect without blocking the loop, send
a media packet, hang up, and watch both ends see the close. Run: python async_call.py"""
import asyncio

import wzp


async def listen(name: str, client: wzp.Client, heard: asyncio.Event) -> None:
    # Ends by itself, without an exception, once the client is closed and drained.
    async for event in client.events():
        if event.type == wzp.EventType.MEDIA:
            _, payload, _ = wzp.parse_media_packet(event.data)
            print(f"{name} heard: {payload.decode()}")
            heard.set()
        elif event.type == wzp.EventType.CLOSED:
            print(f"{name} closed: {event.close_code_name} ({event.close_origin}: {event.close_reason})")


async def main() -> None:
    async with wzp.Relay() as relay:
        print("relay listening on", relay.address)
        async with wzp.Client(port=relay.port, room="general") as alice, \
                wzp.Client(port=relay.port, room="general") as bob:
            print("alice and bob joined via relay", bob.relay_fingerprint)
            heard = asyncio.Event()
            bob_listens = asyncio.create_task(listen("bob", bob, heard))
            header = wzp.MediaHeader(codec=0, seq=1, timestamp=20)
            alice.send_media(wzp.build_media_packet(header, b"hello bob"))
            await asyncio.wait_for(heard.wait(), 10)
            alice.hangup()
            async for event in alice.events():
                if event.type == wzp.EventType.CLOSED:
                    print(f"alice closed: {event.close_code_name} ({event.close_origin})")
        # Leaving the block hung bob up too: his listener has finished cleanly.
        await bob_listens
    print("relay stopped")


if __name__ == "__main__":
    asyncio.run(main())

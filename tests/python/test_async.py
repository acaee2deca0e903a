"""asyncio: async with for relays and clients, awaiting the join, async for over events that
ends cleanly at a hangup, and one dispatcher per event fd so concurrent awaiters of one
client never lose each other's wake-ups."""
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wzp
from conftest import run_example
from wzp import _dispatch

TIMEOUT = 10.0
ROOT = Path(__file__).resolve().parents[2]


def media(seq: int, payload: bytes) -> bytes:
    return wzp.build_media_packet(wzp.MediaHeader(codec=0, seq=seq, timestamp=20 * seq), payload)


def drain(client):
    while client.next_event(0) is not None:
        pass


def settle(first):
    """Once the second client joined, the first one hears of it (PEER_JOINED): wait for that,
    then drop what is queued, so only what a test sends next arrives."""
    first.wait_for("PEER_JOINED", timeout=TIMEOUT)
    drain(first)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_async_with_connects_and_leaves_the_join_events_queued():
    async def scenario():
        async with wzp.Relay() as relay:
            async with wzp.Client(port=relay.port, room="aio") as c:
                assert c.state == "JOINED"
                types = [e.type async for e in c.events(0)]
                # joining did not consume the events: the JOINED event is still there for the app
                assert types[0] == wzp.EventType.STATE and types[-1] == wzp.EventType.JOINED
            assert c.state == "CLOSED"
        assert relay.rooms() == []

    run(scenario())


def test_connect_async_and_joined():
    async def scenario():
        async with wzp.Relay() as relay:
            c = wzp.Client(port=relay.port, room="aio")
            assert await c.connect_async(TIMEOUT) is c
            await c.joined(TIMEOUT)  # already joined: returns at once
            other = wzp.Client(port=relay.port, room="aio")
            other._handle.connect()
            await other.joined(TIMEOUT)
            assert other.state == "JOINED"
            c.hangup()
            other.hangup()

    run(scenario())


def test_async_with_raises_the_refusal():
    async def scenario():
        async with wzp.Relay(max_room_size=1) as relay:
            async with wzp.Client(port=relay.port, room="tiny"):
                with pytest.raises(wzp.WzpError) as info:
                    async with wzp.Client(port=relay.port, room="tiny"):
                        pass
                assert "room" in str(info.value).lower() and "full" in str(info.value).lower()

    run(scenario())


def test_joined_times_out_with_a_timeout_error():
    async def scenario():
        c = wzp.Client(port=9, room="nobody")  # nothing answers on the discard port
        c._handle.connect()
        with pytest.raises(wzp.WzpError) as info:
            await c.joined(0.2)
        assert info.value.name == "WZP_ERR_TIMEOUT"
        c.hangup()

    run(scenario())


def test_two_awaiters_of_one_client_each_get_an_event():
    async def scenario():
        async with wzp.Relay() as relay:
            async with wzp.Client(port=relay.port, room="two") as a, \
                    wzp.Client(port=relay.port, room="two") as b:
                settle(a)
                first = asyncio.create_task(a.next_event_async(TIMEOUT))
                second = asyncio.create_task(a.next_event_async(TIMEOUT))
                await asyncio.sleep(0)  # both are waiting now
                b.send_media(media(1, b"one"))
                b.send_media(media(2, b"two"))
                got = await asyncio.gather(first, second)
                assert all(e is not None and e.type == "MEDIA" for e in got), got
                assert sorted(e.data for e in got) == sorted([media(1, b"one"), media(2, b"two")])
                assert a.next_event(0) is None  # nothing stayed queued while they waited

    run(scenario())


def test_async_for_ends_cleanly_when_we_hang_up():
    async def scenario():
        async with wzp.Relay() as relay:
            async with wzp.Client(port=relay.port, room="end") as a, \
                    wzp.Client(port=relay.port, room="end") as b:
                settle(a)
                b.send_media(media(1, b"hi"))
                seen = []
                async for event in a.events():
                    seen.append(event)
                    if event.type == "MEDIA":
                        a.hangup()
                assert [e.type for e in seen if e.type != "STATE"] == ["MEDIA", "CLOSED"]
                assert seen[-1].close_code_name == "WZP_CLOSE_NORMAL"
                with pytest.raises(wzp.WzpError) as info:  # reading past the end, as next_event
                    await a.next_event_async(TIMEOUT)
                assert info.value.name == "WZP_ERR_CLOSED"

    run(scenario())


def test_async_for_ends_cleanly_when_the_relay_stops():
    async def scenario():
        relay = await wzp.Relay().start_async()
        async with wzp.Client(port=relay.port, room="end") as a:
            await relay.stop_async()
            events = [e async for e in a.events()]
            assert events[-1].type == "CLOSED" and events[-1].close_code_name == "WZP_CLOSE_SHUTDOWN"
        # leaving the block after the relay closed us is a normal end too: no exception

    run(scenario())


def test_sync_for_ends_cleanly_when_the_relay_stops():
    relay = wzp.Relay().start()
    with wzp.Client(port=relay.port, room="end") as a:
        relay.stop()
        events = list(a.events())  # no timeout: ends at the close
        assert events[-1].type == "CLOSED"


def test_events_are_typed():
    with wzp.Relay() as relay:
        with wzp.Client(port=relay.port) as c:
            joined = c.wait_for("JOINED", TIMEOUT)
            assert joined.type is wzp.EventType.JOINED
            assert joined.type == "JOINED" and str(joined.type) == "JOINED"


def test_relay_address_reports_the_bound_address():
    with wzp.Relay(host="0.0.0.0") as relay:
        assert relay.address == f"0.0.0.0:{relay.port}"
    with wzp.Relay(host="::1") as relay:
        assert relay.address == f"[::1]:{relay.port}"


def test_async_call_example_runs():
    out = run_example(ROOT / "examples/python/async_call.py", timeout=60)
    assert "bob heard: hello bob" in out
    assert "alice closed: WZP_CLOSE_NORMAL" in out
    assert "bob closed: WZP_CLOSE_NORMAL" in out
    assert out.rstrip().endswith("relay stopped")


# -- the dispatcher itself, on a pipe standing in for the event fd -------------------------


class FakeQueue:
    """An event queue with a readable fd while it holds events, like the library's."""

    def __init__(self):
        self.read_fd, self.write_fd = os.pipe()
        self.items = []
        self.closed = False

    def push(self, item):
        if not self.items:
            os.write(self.write_fd, b"x")
        self.items.append(item)

    def close(self):
        self.closed = True
        os.write(self.write_fd, b"x")

    def poll(self):
        if self.items:
            item = self.items.pop(0)
            if not self.items and not self.closed:
                os.read(self.read_fd, 1)
            return item
        if self.closed:
            raise wzp.WzpError(-52, "WZP_ERR_CLOSED", "closed")
        return None


def test_dispatcher_hands_events_out_first_come_first_served():
    async def scenario():
        q = FakeQueue()
        d = _dispatch.Dispatcher(q.poll, q.read_fd, asyncio.get_running_loop())
        waiters = [asyncio.create_task(_dispatch.next_event(d, TIMEOUT)) for _ in range(3)]
        await asyncio.sleep(0)
        for i in range(3):
            q.push(i)
        assert await asyncio.gather(*waiters) == [0, 1, 2]
        assert not d._reading  # nobody waits: the fd is not watched

        q.push("queued")
        assert await _dispatch.next_event(d, TIMEOUT) == "queued"  # already queued: at once
        assert await _dispatch.next_event(d, 0.01) is None  # timeout

        # an event that reached a cancelled waiter goes to the next one
        cancelled = asyncio.create_task(_dispatch.next_event(d, TIMEOUT))
        await asyncio.sleep(0)
        q.push("kept")
        d._pump()
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert await _dispatch.next_event(d, TIMEOUT) == "kept"

        watch = d.watch(lambda e: e == "wanted")
        q.push("other")
        q.push("wanted")
        assert await asyncio.wait_for(watch, TIMEOUT) == "wanted"
        assert [await _dispatch.next_event(d, TIMEOUT) for _ in range(2)] == ["other", "wanted"]

        q.push("last")
        q.close()
        assert await _dispatch.next_event(d, TIMEOUT) == "last"
        assert await _dispatch.next_event(d, TIMEOUT) is _dispatch.END
        assert await _dispatch.next_event(d, TIMEOUT) is _dispatch.END
        assert not d._reading
        os.close(q.read_fd)
        os.close(q.write_fd)

    run(scenario())


def test_dispatcher_passes_a_read_error_to_the_waiters():
    async def scenario():
        q = FakeQueue()

        def failing_poll():
            raise wzp.WzpError(-4, "WZP_ERR_INTERNAL", "broken")

        d = _dispatch.Dispatcher(failing_poll, q.read_fd, asyncio.get_running_loop())
        q.push("x")
        with pytest.raises(wzp.WzpError, match="broken"):
            await _dispatch.next_event(d, TIMEOUT)
        assert not d._reading
        os.close(q.read_fd)
        os.close(q.write_fd)

    run(scenario())


def test_messenger_example_runs():
    """The asyncio equivalent of examples/c/messenger.c: peers, media, a peer signal, a refusal
    with its specific error, a hangup seen by the other side."""
    out = run_example(ROOT / "examples/python/messenger.py", timeout=120)
    assert "alice: peer" in out and "bob: peer" in out
    assert "bob: media packet of" in out
    assert 'alice: signal from' in out and '{"hello":"from bob"}' in out
    assert "carol: refused with WZP_ERR_ROOM_FULL (peer)" in out
    assert "left: hangup (Normal)" in out
    assert "alice: closed: WZP_CLOSE_NORMAL" in out
    assert out.rstrip().endswith("messenger: done")

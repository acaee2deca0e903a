"""Clients sharing one event loop (wzp.Loop): many clients on one thread, media between them, the
loop kept alive by its clients, and calls (the call engine) on loop clients."""
import os
import time
from array import array

import pytest

import wzp

TIMEOUT = 15.0


def threads():
    return len(os.listdir("/proc/self/task"))


def test_many_clients_share_one_loop_thread():
    with wzp.Relay() as relay:
        loop = wzp.Loop()
        before = threads()
        clients = [wzp.Client(port=relay.port, room="one-loop", loop=loop) for _ in range(20)]
        for c in clients:
            c.connect()
        for c in clients:
            c.wait_joined(TIMEOUT)
        assert loop.client_count == 20
        assert threads() < before + 5  # twenty clients of their own would add twenty loop threads
        with wzp.Call(clients[0]) as speaker, wzp.Call(clients[1]) as listener:
            tone = array("h", [4000 if (i // 24) % 2 else -4000 for i in range(960)])
            for _ in range(50):
                speaker.send_pcm(tone)
                time.sleep(0.02)
            deadline = time.monotonic() + TIMEOUT
            while listener.stats()["played"] < 25 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert listener.stats()["played"] >= 25
        for c in clients:
            c.hangup()


def test_a_client_keeps_its_loop_alive():
    with wzp.Relay() as relay:
        loop = wzp.Loop()
        client = wzp.Client(port=relay.port, room="one-loop", loop=loop).connect(TIMEOUT)
        del loop  # the client still runs on it
        other = wzp.Client(port=relay.port, room="one-loop").connect(TIMEOUT)
        other.send_media(client_packet())
        assert client.wait_for("MEDIA", timeout=TIMEOUT).data == client_packet()
        client.hangup()


def client_packet():
    return wzp.build_media_packet(wzp.MediaHeader(codec=0, seq=1, timestamp=20), b"hello")


def test_loop_must_be_a_loop():
    with pytest.raises(TypeError):
        wzp.Client(port=1, loop="the loop")

"""wzp.Call: PCM through a real in-process relay, errors, threads, profile events, wzp.wav."""
import threading
import time
from array import array

import pytest

import wzp
from probes import power, tone

FRAME = 960


@pytest.fixture
def relay():
    r = wzp.Relay(trunking=True).start()
    yield r
    r.stop()


def joined(relay, room="py-call"):
    """A client that joins on entering its with block."""
    return wzp.Client(port=relay.port, room=room)


def test_defaults_and_presets():
    d = wzp.call.config_defaults()
    assert d["profile"]["codec"] == "Opus24k" and d["jitter_max_delay_ms"] == 1000 and d["adapt"] is True
    assert wzp.call.preset("catastrophic")["codec"] == "Codec2_1200"
    with pytest.raises(ValueError):
        wzp.call.preset("excellent")


def test_two_clients_hear_each_other(relay):
    with joined(relay) as a, joined(relay) as b, wzp.Call(a) as ca, wzp.Call(b) as cb:
        heard = array("h")
        start = time.monotonic()
        for i in range(100):
            ca.send_pcm(tone(440, i * FRAME))
            cb.send_pcm(bytes(2 * FRAME))  # bytes work too
            while True:
                got = cb.read_pcm(None, FRAME, timeout=0)
                if got is None:
                    break
                assert isinstance(got, array) and got.typecode == "h"
                heard.extend(got)
            delay = start + (i + 1) * 0.02 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        assert len(cb.sources()) == 1
        tail = heard[-24000:]
        assert power(tail, 440) > 100 * power(tail, 1000)
        st = cb.stats()
        assert st["received"] > 50 and st["malformed"] == 0
        assert cb.stats(cb.sources()[0])["profile"]["codec"] == "Opus24k"


def test_errors(relay):
    with pytest.raises(TypeError):
        wzp.Call(object())
    idle = wzp.Client(port=relay.port)
    with pytest.raises(wzp.WzpError) as e:
        wzp.Call(idle)
    assert e.value.name == "WZP_ERR_INVALID_STATE"
    with joined(relay, "py-call-errors") as a:
        with pytest.raises(wzp.WzpError):
            wzp.Call(a, profile={"codec": "Opus24k", "fec_ratio": 0.2, "frame_ms": 30, "frames_per_block": 5})
        with pytest.raises(ValueError):
            wzp.Call(a, profile={"codec": "Speex", "fec_ratio": 0.2, "frame_ms": 20, "frames_per_block": 5})
        call = wzp.Call(a)
        with pytest.raises(wzp.WzpError):
            wzp.Call(a)  # one call per client
        with pytest.raises(TypeError):
            call.send_pcm(array("i", [0] * 10))
        with pytest.raises(wzp.WzpError) as e:
            call.read_pcm(None, 100, timeout=0)
        assert e.value.name == "WZP_ERR_INVALID_ARGUMENT"
        with pytest.raises(wzp.WzpError) as e:
            call.read_pcm(7, FRAME, timeout=0)
        assert e.value.name == "WZP_ERR_NOT_FOUND"
        with pytest.raises(ValueError):
            call.read_pcm(70000)
        call.close()
        call.close()
        with pytest.raises(wzp.WzpError) as e:
            call.send_pcm(bytes(2 * FRAME))
        assert e.value.name == "WZP_ERR_CLOSED"


def test_read_waits_without_the_gil_and_profile_events(relay):
    with joined(relay, "py-call-threads") as a, joined(relay, "py-call-threads") as b, \
            wzp.Call(a) as ca, wzp.Call(b) as cb:
        stop = threading.Event()
        ticks = []

        def reader():
            while not stop.is_set():
                if cb.read_pcm(None, FRAME, timeout=0.2) is not None:
                    ticks.append(1)

        t = threading.Thread(target=reader)
        t.start()
        counter = 0
        end = time.monotonic() + 1.0
        while time.monotonic() < end:  # this thread keeps running Python meanwhile
            counter += 1
            if counter % 2000 == 0:
                ca.send_pcm(tone(300, counter))
        ca.set_profile("degraded")
        assert ca.profile["codec"] == "Opus6k"
        stop.set()
        t.join()
        assert len(ticks) > 25 and counter > 10000
        events = []
        while True:
            ev = a.next_event(0)
            if ev is None:
                break
            events.append(ev)
        changes = [e for e in events if e.type == "CALL_PROFILE"]
        assert changes and changes[0].call_profile["codec"] == "Opus6k" and changes[0].source == -1
        assert not [e for e in events if e.type == "MEDIA"]
        ca.set_adaptive()


def test_wav_round_trip(tmp_path):
    samples = tone(500, 0, 4800)
    path = tmp_path / "t.wav"
    wzp.wav.write(path, samples)
    rate, back = wzp.wav.read(path)
    assert rate == 48000 and back == samples
    import wave
    other = tmp_path / "8k.wav"
    with wave.open(str(other), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(160))
    with pytest.raises(ValueError, match="48000"):
        wzp.wav.read(other)
    with pytest.raises(ValueError):
        wzp.wav.write(path, samples, rate=16000)

"""wzp.set_log_callback: the library's log lines reach a Python callable, from the
relay's and clients' own threads, without deadlocks, also when the callable raises,
replaces itself, or is still installed when the interpreter exits."""
import subprocess
import sys
import threading

import pytest

import wzp

TIMEOUT = 10.0


@pytest.fixture
def info_level():
    wzp.log_set_level(2)
    yield
    wzp.set_log_callback(None)
    wzp.log_set_level(1)


def run_a_call():
    with wzp.Relay() as relay:
        a = wzp.Client(port=relay.port, room="logs").connect(TIMEOUT)
        b = wzp.Client(port=relay.port, room="logs").connect(TIMEOUT)
        relay.acl_allow_room_name("room", "00" * 16)  # waits on the loop thread, which logs meanwhile
        a.hangup()
        b.hangup()


def test_lines_reach_the_callback_from_library_threads(info_level):
    lines = []
    threads = set()

    def sink(level, component, message):
        lines.append((level, component, message))
        threads.add(threading.get_ident())

    wzp.set_log_callback(sink)
    run_a_call()
    wzp.set_log_callback(None)
    components = {c for _, c, _ in lines}
    assert "relay" in components and "client" in components, lines
    assert any("listening on" in m for _, _, m in lines)
    assert all(level <= 2 for level, _, _ in lines)
    assert threads - {threading.get_ident()}, "no line came from a loop thread"
    # Cleared: nothing more reaches the old callable.
    count = len(lines)
    run_a_call()
    assert len(lines) == count


def test_a_raising_callback_is_reported_and_the_library_goes_on(info_level, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(u))

    def sink(level, component, message):
        raise RuntimeError("sink failed")

    wzp.set_log_callback(sink)
    run_a_call()
    wzp.set_log_callback(None)
    assert unraisable and isinstance(unraisable[0].exc_value, RuntimeError)


def test_a_callback_that_replaces_itself(info_level):
    second = []

    def first(level, component, message):
        wzp.set_log_callback(lambda *line: second.append(line))

    wzp.set_log_callback(first)
    run_a_call()
    wzp.set_log_callback(None)
    assert second


def test_not_callable_is_a_type_error():
    with pytest.raises(TypeError):
        wzp.set_log_callback(42)


def test_exit_with_a_callback_installed_and_a_relay_running():
    # The interpreter exits while a relay's loop thread still runs and logs: the
    # callback is removed at exit, so nothing takes the GIL of a finalised interpreter.
    code = (
        "import wzp\n"
        "wzp.log_set_level(4)\n"
        "seen = []\n"
        "wzp.set_log_callback(lambda l, c, m: seen.append(m))\n"
        "relay = wzp.Relay()\n"
        "relay.start()\n"
        "client = wzp.Client(port=relay.port, room='exit').connect(10)\n"
        "assert seen\n"
        "print('ok', flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"

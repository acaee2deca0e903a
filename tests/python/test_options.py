"""Relay(...) and Client(...) take every config field as a typed keyword-only argument: the
defaults are the library's, an unknown keyword or a wrong type raises TypeError naming it,
and an out-of-range value raises ValueError naming it."""
import inspect

import pytest

import wzp
from wzp import _wzp

# Python picks a loopback host and a free port where the C defaults are "0.0.0.0":4433.
PYTHON_ONLY_DEFAULTS = {"host", "port"}


def keyword_defaults(cls):
    params = inspect.signature(cls.__init__).parameters.values()
    assert all(p.kind is p.KEYWORD_ONLY for p in params if p.name != "self")
    assert not any(p.kind is p.VAR_KEYWORD for p in params), "no **options: every field is explicit"
    return {p.name: p.default for p in params if p.name != "self"}


def test_relay_keywords_are_every_config_field_with_the_library_defaults():
    python = keyword_defaults(wzp.Relay)
    library = _wzp._relay_config_defaults()
    for name, value in library.items():
        assert name in python, f"Relay() lacks the config field {name}"
        if name not in PYTHON_ONLY_DEFAULTS:
            assert python[name] == value, name
    for name in ("identity", "identity_file", "cert_file", "key_file", "auth_url", "acl_file",
                 "acl_default_deny"):
        assert name in python
    assert python["host"] == "127.0.0.1" and python["port"] == 0


def test_client_keywords_are_every_config_field_with_the_library_defaults():
    python = keyword_defaults(wzp.Client)
    for name, value in _wzp._client_config_defaults().items():
        assert python[name] == value, name
    for name in ("host", "port", "room", "token", "identity", "pin_cert_sha256", "pin_relay_fingerprint"):
        assert name in python
    assert python["port"] is inspect.Parameter.empty  # required


@pytest.mark.parametrize("cls, kwargs", [(wzp.Relay, {}), (wzp.Client, {"port": 1})])
def test_an_unknown_keyword_raises_type_error_naming_it(cls, kwargs):
    with pytest.raises(TypeError, match="max_sesions"):
        cls(max_sesions=3, **kwargs)


@pytest.mark.parametrize("cls, field, value", [
    (wzp.Relay, "max_sessions", "3"),
    (wzp.Relay, "port", 1.5),
    (wzp.Relay, "auth_url", 42),
    (wzp.Relay, "identity", "not an identity"),
    (wzp.Relay, "acl_enabled", "yes"),
    (wzp.Relay, "identity_file", 3),
    (wzp.Relay, "max_room_size", True),
    (wzp.Client, "room", b"bytes"),
    (wzp.Client, "token", 1),
    (wzp.Client, "handshake_timeout_ms", None),
    (wzp.Client, "pin_cert_sha256", "hex"),
    (wzp.Client, "session_mode", 2),
])
def test_a_wrong_type_raises_type_error_naming_the_field(cls, field, value):
    kwargs = {"port": 1} if cls is wzp.Client else {}
    kwargs[field] = value
    with pytest.raises(TypeError, match=f"'{field}'"):
        cls(**kwargs)


@pytest.mark.parametrize("cls, field, value", [
    (wzp.Relay, "port", 70000),
    (wzp.Relay, "max_sessions", -1),
    (wzp.Relay, "sender_bytes_per_s", 2**32),
    (wzp.Client, "port", -1),
    (wzp.Client, "idle_timeout_ms", 2**40),
])
def test_an_out_of_range_value_raises_value_error_naming_the_field(cls, field, value):
    kwargs = {"port": 1} if cls is wzp.Client else {}
    kwargs[field] = value
    with pytest.raises(ValueError, match=f"'{field}'"):
        cls(**kwargs)


def test_paths_may_be_path_objects(tmp_path):
    seed = tmp_path / "relay.seed"
    relay = wzp.Relay(identity_file=seed)
    assert seed.exists() and relay.fingerprint == wzp.Relay(identity_file=str(seed)).fingerprint


def test_the_native_layer_also_names_unknown_and_mistyped_fields():
    with pytest.raises(TypeError, match="bogus"):
        _wzp._Relay({"bogus": 1})
    with pytest.raises(TypeError, match="max_sessions"):
        _wzp._Relay({"max_sessions": "many"})
    with pytest.raises(TypeError, match="room"):
        _wzp._Client({"port": 1, "room": 5})


def test_set_log_level_and_callback_exist():
    wzp.set_log_level(1)
    wzp.set_log_callback(None)
    assert wzp.set_log_level is wzp.log_set_level

"""wire.json vectors through `wzp`: FEC ratio, media headers and packets, quality reports,
trunk frames, codec ids, SignalMessage JSON and stream framing."""
import random
import struct

import pytest

import wzp


def codec_wire(wire_vectors, name):
    return next(c["wire"] for c in wire_vectors["codec_id"] if c["name"] == name)


def header_from(wire_vectors, f):
    return wzp.MediaHeader(version=f["version"], is_repair=f["is_repair"], codec=codec_wire(wire_vectors, f["codec"]),
                           has_quality_report=f["has_quality_report"], fec_ratio_code=f["fec_ratio_encoded"],
                           seq=f["seq"], timestamp=f["timestamp"], fec_block=f["fec_block"],
                           fec_symbol=f["fec_symbol"], reserved=f["reserved"], csrc_count=f["csrc_count"])


def report_from(f):
    return wzp.QualityReport(f["loss_pct"], f["rtt_4ms"], f["jitter_ms"], f["bitrate_cap_kbps"])


def f32_bits(x: float) -> str:
    return struct.pack(">f", x).hex()


def test_fec_ratio(wire_fec_ratio):
    v = wire_fec_ratio
    code = wzp.fec_ratio_encode(float(v["ratio"]))
    assert code == v["encoded"]
    assert f32_bits(wzp.fec_ratio_decode(code)) == v["decoded_f32_bits"]


def test_quality_profiles(wire_quality_profile, wire_vectors):
    p = wire_quality_profile
    assert f32_bits(float(p["fec_ratio"])) == p["fec_ratio_f32_bits"]
    assert wzp.fec_ratio_encode(float(p["fec_ratio"])) == p["fec_ratio_encoded"]
    codec = codec_wire(wire_vectors, p["codec"])
    header = wzp.MediaHeader(codec=codec, fec_ratio_code=p["fec_ratio_encoded"])
    assert wzp.MediaHeader.decode(header.encode()) == header


def test_codec_ids(wire_codec_id):
    header = wzp.MediaHeader(codec=wire_codec_id["wire"])
    assert wzp.MediaHeader.decode(header.encode()).codec == wire_codec_id["wire"]


def test_unknown_codec_is_rejected():
    with pytest.raises(wzp.WzpError) as info:
        wzp.MediaHeader(codec=6).encode()
    assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
    for codec in range(6, 16):
        with pytest.raises(wzp.WzpError) as info:
            wzp.MediaHeader.decode(bytes([codec << 2]) + bytes(11))
        assert info.value.name == "WZP_ERR_MALFORMED"


def test_media_header(wire_media_header, wire_vectors):
    v = wire_media_header
    header = header_from(wire_vectors, v["fields"])
    assert header.encode().hex() == v["hex"]
    assert wzp.MediaHeader.decode(bytes.fromhex(v["hex"])) == header


def test_media_header_noncanonical(wire_media_header_decode_noncanonical, wire_vectors):
    v = wire_media_header_decode_noncanonical
    decoded = wzp.MediaHeader.decode(bytes.fromhex(v["hex"]))
    if "fields" in v:
        assert decoded == header_from(wire_vectors, v["fields"])
        assert decoded.encode().hex() == v["reencoded_hex"]
    else:
        assert header_from(wire_vectors, v["fields_in"]).encode().hex() == v["hex"]
        assert decoded.fec_ratio_code == v["decoded_fec_ratio_encoded"]


def test_quality_report(wire_quality_report):
    v = wire_quality_report
    report = report_from(v["fields"])
    packet = wzp.build_media_packet(wzp.MediaHeader(has_quality_report=True), b"", report)
    assert packet[12:].hex() == v["hex"]
    _, payload, back = wzp.parse_media_packet(packet)
    assert payload == b"" and back == report


def test_media_packet(wire_media_packet, wire_vectors):
    v = wire_media_packet
    header = header_from(wire_vectors, v["header"])
    report = report_from(v["quality_report"]) if v["quality_report"] else None
    payload = bytes.fromhex(v["payload_hex"])
    assert wzp.build_media_packet(header, payload, report).hex() == v["hex"]
    parsed_header, parsed_payload, parsed_report = wzp.parse_media_packet(bytes.fromhex(v["hex"]))
    assert (parsed_header, parsed_payload, parsed_report) == (header, payload, report)


def test_media_packet_decode(wire_media_packet_decode):
    v = wire_media_packet_decode
    data = bytes.fromhex(v["hex"])
    if v["result"] == "reject":
        with pytest.raises(wzp.WzpError) as info:
            wzp.parse_media_packet(data)
        assert info.value.name == "WZP_ERR_MALFORMED"
        return
    _, payload, report = wzp.parse_media_packet(data)
    assert payload.hex() == v["payload_hex"]
    assert report == (report_from(v["quality_report"]) if v["quality_report"] else None)


def test_media_packet_needs_report_when_flagged():
    with pytest.raises(wzp.WzpError) as info:
        wzp.build_media_packet(wzp.MediaHeader(has_quality_report=True), b"x")
    assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"


def entries_of(v):
    return [(bytes.fromhex(e["session_id_hex"]), bytes.fromhex(e["payload_hex"])) for e in v["entries"]]


def test_trunk_frame(wire_trunk_frame):
    v = wire_trunk_frame
    assert wzp.trunk_frame_build(entries_of(v)).hex() == v["hex"]
    assert wzp.trunk_frame_parse(bytes.fromhex(v["hex"])) == entries_of(v)


def test_trunk_decode(wire_trunk_decode):
    v = wire_trunk_decode
    data = bytes.fromhex(v["hex"])
    if v["result"] == "reject":
        with pytest.raises(wzp.WzpError) as info:
            wzp.trunk_frame_parse(data)
        assert info.value.name == "WZP_ERR_MALFORMED"
    else:
        assert wzp.trunk_frame_parse(data) == entries_of(v)


def test_trunk_limits():
    with pytest.raises(wzp.WzpError) as info:
        wzp.trunk_frame_build([(b"ab", bytes(0x10000))])
    assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
    with pytest.raises(ValueError):
        wzp.trunk_frame_build([(b"abc", b"")])


def test_signal_messages(wire_signal_messages):
    v = wire_signal_messages
    assert wzp.signal_validate(v["json"]) == v["variant"]
    assert wzp.signal_canonical(v["json"]) == v["json"]
    assert wzp.signal_frame(v["json"]).hex() == v["frame_hex"]
    assert wzp.signal_unframe(bytes.fromhex(v["frame_hex"])) == v["json"]


def test_signal_decode_accept(wire_signal_decode_accept):
    v = wire_signal_decode_accept
    assert wzp.signal_canonical(v["json"]) == v["equivalent"]
    assert wzp.signal_canonical(v["equivalent"]) == v["equivalent"]


def test_signal_decode_reject(wire_signal_decode_reject):
    for call in (wzp.signal_validate, wzp.signal_canonical):
        with pytest.raises(wzp.WzpError) as info:
            call(wire_signal_decode_reject["json"])
        assert info.value.name == "WZP_ERR_JSON"
        assert info.value.code == -41
        assert info.value.message


def test_signal_framing(wire_vectors):
    f = wire_vectors["signal_framing"]
    assert f["max_len"] == wzp.MAX_SIGNAL_BYTES
    for e in f["examples"]:
        assert wzp.signal_frame(e["json"]).hex() == e["frame_hex"]
        assert wzp.signal_unframe(bytes.fromhex(e["frame_hex"])) == e["json"]
    for e in f["reject"]:
        if e["name"] == "length_over_limit":
            with pytest.raises(wzp.WzpError) as info:
                wzp.signal_unframe(bytes.fromhex(e["prefix_hex"]))
            assert info.value.name == "WZP_ERR_TOO_LARGE"
        elif e["name"] == "not_json":
            with pytest.raises(wzp.WzpError) as info:
                wzp.signal_validate(wzp.signal_unframe(bytes.fromhex(e["stream_hex"])))
            assert info.value.name == "WZP_ERR_JSON"
        else:
            with pytest.raises(wzp.WzpError) as info:
                wzp.signal_unframe(bytes.fromhex(e["stream_hex"]))
            assert info.value.name == "WZP_ERR_MALFORMED", e["name"]
    for e in f["accept"]:
        if "stream_hex" in e:
            assert wzp.signal_unframe(bytes.fromhex(e["stream_hex"])) == e["decoded"]
        else:
            with pytest.raises(wzp.WzpError) as info:  # an allowed length, then the stream ends
                wzp.signal_unframe(bytes.fromhex(e["prefix_hex"]))
            assert info.value.name == "WZP_ERR_MALFORMED"


def auth_token_of_size(total):
    head, tail = '{"AuthToken":{"token":"', '"}}'
    return head + "a" * (total - len(head) - len(tail)) + tail


def test_signal_framing_cap_is_one_mebibyte():
    at_cap = auth_token_of_size(wzp.MAX_SIGNAL_BYTES)
    framed = wzp.signal_frame(at_cap)
    assert framed[:4] == b"\x00\x10\x00\x00" and len(framed) == wzp.MAX_SIGNAL_BYTES + 4
    assert wzp.signal_unframe(framed) == at_cap
    assert wzp.signal_validate(at_cap) == "AuthToken"
    over = auth_token_of_size(wzp.MAX_SIGNAL_BYTES + 1)
    with pytest.raises(wzp.WzpError) as info:
        wzp.signal_frame(over)
    assert info.value.name == "WZP_ERR_TOO_LARGE"
    with pytest.raises(wzp.WzpError) as info:
        wzp.signal_unframe(struct.pack(">I", len(over)) + over.encode())
    assert info.value.name == "WZP_ERR_TOO_LARGE"


# Independent models of the three parsers, written from the wire spec (§3.2, §4, §6):
# each returns what the parser must return, or the name of the error it must raise.
def model_media_packet(data: bytes):
    if len(data) < 12:
        return "WZP_ERR_MALFORMED"
    b0, b1 = data[0], data[1]
    codec, has_report = (b0 >> 2) & 0x0F, bool(b0 & 0x02)
    if codec > 5 or (has_report and len(data) < 16):
        return "WZP_ERR_MALFORMED"
    seq, timestamp = struct.unpack(">HI", data[2:8])
    header = wzp.MediaHeader(version=b0 >> 7, is_repair=bool(b0 & 0x40), codec=codec, has_quality_report=has_report,
                             fec_ratio_code=((b0 & 1) << 6) | (b1 >> 2), seq=seq, timestamp=timestamp,
                             fec_block=data[8], fec_symbol=data[9], reserved=data[10], csrc_count=data[11])
    if not has_report:
        return header, data[12:], None
    return header, data[12:-4], wzp.QualityReport(*data[-4:])


def model_trunk_frame(data: bytes):
    if len(data) < 2:
        return "WZP_ERR_MALFORMED"
    count, at, entries = struct.unpack(">H", data[:2])[0], 2, []
    for _ in range(count):
        if len(data) - at < 4:
            return "WZP_ERR_MALFORMED"
        tag, length = data[at:at + 2], struct.unpack(">H", data[at + 2:at + 4])[0]
        at += 4
        if length > len(data) - at:
            return "WZP_ERR_MALFORMED"
        entries.append((tag, data[at:at + length]))
        at += length
    return entries


def model_signal_unframe(data: bytes):
    if len(data) < 4:
        return "WZP_ERR_MALFORMED"
    length = struct.unpack(">I", data[:4])[0]
    if length > wzp.MAX_SIGNAL_BYTES:
        return "WZP_ERR_TOO_LARGE"
    if len(data) - 4 < length:
        return "WZP_ERR_MALFORMED"
    try:
        return data[4:4 + length].decode("utf-8")
    except UnicodeDecodeError:
        return "UnicodeDecodeError"  # a frame whose payload is not UTF-8 text


def outcome(call, data: bytes):
    try:
        return call(data)
    except wzp.WzpError as e:
        return e.name
    except UnicodeDecodeError:
        return "UnicodeDecodeError"


PARSERS = [(wzp.parse_media_packet, model_media_packet), (wzp.trunk_frame_parse, model_trunk_frame),
           (wzp.signal_unframe, model_signal_unframe)]


def test_random_corruption_parses_as_the_model_says(wire_vectors):
    rng = random.Random(7)
    inputs = [bytes.fromhex(v["hex"]) for v in wire_vectors["media_packet"] + wire_vectors["trunk_frame"]]
    inputs += [bytes.fromhex(v["frame_hex"]) for v in wire_vectors["signal_messages"]]
    accepted = {call: 0 for call, _ in PARSERS}
    rejected = {call: 0 for call, _ in PARSERS}
    for data in inputs:
        variants = [data[:n] for n in range(0, len(data), 1 + len(data) // 32)]
        for _ in range(16):
            b = bytearray(data)
            b[rng.randrange(len(b))] = rng.randrange(256)
            variants.append(bytes(b))
        for b in variants:
            for call, model in PARSERS:
                expected, got = model(b), outcome(call, b)
                assert got == expected, f"{call.__name__}({b.hex()})"
                if isinstance(expected, str) and expected.isupper():
                    rejected[call] += 1
                else:
                    accepted[call] += 1
    # The corpus exercises both outcomes of every parser.
    for call, _ in PARSERS:
        assert accepted[call] > 0 and rejected[call] > 0, call.__name__


def test_what_parses_round_trips(wire_vectors):
    """Whatever the media and trunk parsers accept rebuilds to the same bytes (up to what the format ignores)."""
    rng = random.Random(11)
    seeds = [bytes.fromhex(v["hex"]) for v in wire_vectors["media_packet"]]
    for data in seeds:
        for _ in range(32):
            b = bytearray(data)
            b[rng.randrange(len(b))] = rng.randrange(256)
            parsed = outcome(wzp.parse_media_packet, bytes(b))
            if isinstance(parsed, str):
                continue
            header, payload, report = parsed
            canonical = bytes([b[0], b[1] & 0xFC]) + bytes(b[2:])  # byte 1's two low bits are ignored
            assert wzp.build_media_packet(header, payload, report) == canonical
    for v in wire_vectors["trunk_frame"]:
        entries = wzp.trunk_frame_parse(bytes.fromhex(v["hex"]))
        assert wzp.trunk_frame_build(entries).hex() == v["hex"]

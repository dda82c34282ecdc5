"""dhcp4c.frames: golden frames, the streaming contract (partial frames,
any split), noise the way a REPL prints it, oversize lines, binary garbage,
bad CRC/JSON. Runs on CPython and MicroPython."""
from dhcp4c.frames import (FrameReader, NEED_DATA, MARK, encode, encode_parts, decode_line,
                           NOISE, BAD_CRC, BAD_JSON)

HELLO = b'@@{"cmd":"hello"}#8a8388a6\n'
RESP = b'@@{"id":7,"ok":true,"result":{"state":"BOUND"}}#a6bbe8e7\n'
EVENT = (b'@@{"event":"state","seq":3,"old":"BOUND","new":"RENEWING","why":"renew"}'
         b'#71f3b39b\n')
REQ = encode({"id": 1, "cmd": "state"})

REPL_NOISE = (b"MicroPython v1.23.0 on 2024-06-02; Raspberry Pi Pico W with RP2040\r\n"
              b"Type \"help()\" for more information.\r\n>>> import main\r\n"
              b"dhcp4c: link up\r\nTraceback (most recent call last):\r\n"
              b"  File \"<stdin>\", line 1, in <module>\r\nKeyboardInterrupt: \r\n>>> ")


def frames(r):
    out = []
    while True:
        f = r.next_frame()
        if f is NEED_DATA:
            return out
        out.append(f)


def read_all(data, limit=1024, step=None):
    r = FrameReader(limit)
    if step is None:
        r.receive_data(data)
        return r, frames(r)
    got = []
    for i in range(0, len(data), step):
        r.receive_data(data[i:i + step])
        got += frames(r)
    return r, got


def test_golden_encode():
    assert encode({"cmd": "hello"}) == HELLO
    assert REQ.startswith(b"@@{") and REQ.endswith(b"\n") and len(REQ) == len(
        b'@@{"id":1,"cmd":"state"}#6c695b1c\n')


def test_parts_are_the_frame_in_pieces():
    p, t = encode_parts({"cmd": "hello"})
    assert MARK + p + t == HELLO
    assert p == b'{"cmd":"hello"}' and t == b"#8a8388a6\n"
    big = {"id": 1, "ok": True, "result": {"s": "x" * 600, "n": [1, 2, 3]}}
    p, t = encode_parts(big)
    assert MARK + p + t == encode(big)
    r, got = read_all(MARK + p + t)
    assert got == [big]


def test_utf8_as_it_is_not_escaped():
    # MicroPython's json reads an escaped surrogate pair as two broken
    # characters, so no side writes one: non-ASCII goes as raw UTF-8
    obj = {"h": "caf\u00e9 \U0001F600"}
    line = encode(obj)
    assert b"caf\xc3\xa9 \xf0\x9f\x98\x80" in line and b"\\u" not in line
    r, got = read_all(line)
    assert got == [obj] and len(got[0]["h"]) == 6


def test_crc_is_crc32_ieee():
    # the standard check value of CRC-32: crc32(b"123456789") == 0xcbf43926
    assert decode_line(b'@@{"a":1}#' + b"00000000") == (BAD_CRC, None)
    import binascii
    assert binascii.crc32(b"123456789") & 0xFFFFFFFF == 0xCBF43926


def test_golden_decode():
    _, got = read_all(HELLO + RESP + EVENT)
    assert got == [{"cmd": "hello"}, {"id": 7, "ok": True, "result": {"state": "BOUND"}},
                   {"event": "state", "seq": 3, "old": "BOUND", "new": "RENEWING",
                    "why": "renew"}]


def test_roundtrip():
    obj = {"id": "a#b", "cmd": "config", "args": {"set": {"hostname": "x y#z", "requested": None}}}
    _, got = read_all(encode(obj))
    assert got == [obj]


def test_uppercase_crc_and_crlf_accepted():
    line = HELLO[:-9] + HELLO[-9:-1].upper() + b"\r\n"
    _, got = read_all(line)
    assert got == [{"cmd": "hello"}]


def test_every_split_is_need_data_then_frame():
    data = HELLO + RESP
    for cut in range(len(data) + 1):
        r = FrameReader()
        r.receive_data(data[:cut])
        a = frames(r)
        r.receive_data(data[cut:])
        b = frames(r)
        assert len(a + b) == 2
        assert r.noise == r.bad_crc == r.bad_json == r.oversize == 0


def test_byte_by_byte():
    r, got = read_all(REPL_NOISE + HELLO + REPL_NOISE + RESP, step=1)
    assert len(got) == 2


def test_repl_noise_interleaved_counted():
    data = REPL_NOISE + b"\r\n" + HELLO + REPL_NOISE + b"\r\n" + RESP + b">>> \r\n"
    r, got = read_all(data)
    assert [f.get("cmd") for f in got] == ["hello", None]
    assert r.noise == 17 and r.frames == 2 and r.bad_crc == 0


def test_prompt_before_frame_on_same_line():
    _, got = read_all(b">>> " + HELLO + b"=== " + RESP)
    assert len(got) == 2


def test_oversize_line_dropped_then_recovers():
    big = b"@@" + b"x" * 200 + b"\n"
    r, got = read_all(big + HELLO + b"y" * 300 + b"\n" + RESP, limit=64)
    assert len(got) == 2 and r.oversize == 2
    r, got = read_all(big + HELLO + b"y" * 300 + b"\n" + RESP, limit=64, step=7)
    assert len(got) == 2 and r.oversize == 2
    # a line exactly at the limit (newline included) passes
    r, got = read_all(RESP, limit=len(RESP))
    assert len(got) == 1
    r, got = read_all(RESP, limit=len(RESP) - 1)
    assert got == [] and r.oversize == 1


def test_partial_buffer_stays_bounded():
    r = FrameReader(64)
    for i in range(100):
        r.receive_data(b"z" * 50)
        assert len(r._buf) <= 64
    r.receive_data(b"\n" + HELLO)
    assert frames(r) == [{"cmd": "hello"}] and r.oversize == 1


def test_binary_noise():
    noise = bytes(range(256)) + b"\xff\xfe\x00@@\x03#\n"
    r, got = read_all(noise * 3 + HELLO + noise + RESP, step=13)
    assert len(got) == 2 and r.frames == 2
    assert r.noise + r.bad_crc + r.bad_json == 8


def test_bad_frames_counted():
    cases = [
        (b"@@{\"cmd\":\"hello\"}\n", BAD_CRC),                  # no CRC
        (b"@@{\"cmd\":\"hello\"}#8a8388a7\n", BAD_CRC),         # wrong CRC
        (b"@@{\"cmd\":\"hello\"}#8a8388zz\n", BAD_CRC),         # not hex
        (b"@@{\"cmd\":\"hello\"}#8a8388a\n", BAD_CRC),          # short
        (encode([1, 2]), BAD_JSON),                            # not an object
        (b"@@" + b"{bad" + b"#" + b"%08x" % 0 + b"\n", BAD_CRC),
        (b"hello there\n", NOISE),
    ]
    import binascii
    p = b"{bad"
    cases.append((b"@@" + p + ("#%08x\n" % binascii.crc32(p)).encode(), BAD_JSON))
    p = b'{"a":"\xff\xfe"}'
    cases.append((b"@@" + p + ("#%08x\n" % binascii.crc32(p)).encode(), BAD_JSON))
    for line, code in cases:
        assert decode_line(line[:-1])[0] == code, line
        r, got = read_all(line + HELLO)
        assert got == [{"cmd": "hello"}], line
        assert (r.noise, r.bad_crc, r.bad_json) == (
            (1, 0, 0) if code == NOISE else (0, 1, 0) if code == BAD_CRC else (0, 0, 1)), line


def test_deep_nesting_and_odd_json_are_counted():
    import binascii
    for p in (b"[" * 500 + b"]" * 500, b"1" * 900, b'"\\ud800"', b"1e999999", b"null"):
        line = b"@@" + p + ("#%08x\n" % (binascii.crc32(p) & 0xFFFFFFFF)).encode()
        r, got = read_all(line)
        assert got == [] and r.bad_json == 1, p


def test_encode_is_one_printable_line_without_ctrl_c():
    line = encode({"h": "a\x03b\x01c\x04d\x05\n\r\te#f", "n": None, "l": [1, True]})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    for b in line[:-1]:
        assert 0x20 <= b < 0x7f, line
    _, got = read_all(line)
    assert got[0]["h"] == "a\x03b\x01c\x04d\x05\n\r\te#f"


def test_counters_dict():
    r, _ = read_all(b"x\n" + HELLO)
    assert r.counters() == {"frames_in": 1, "noise": 1, "oversize": 0, "bad_crc": 0,
                            "bad_json": 0}

"""Fuzzing the control channel: random bytes, random splits and mutations of
valid frames fed to FrameReader and to a Controller over a real Client.
Nothing may raise; every line is accounted for (a frame, or a counted drop);
every request with an id gets exactly one response frame."""
import os

from hypothesis import HealthCheck, given, settings, strategies as st

from dhcp4c.frames import FrameReader, encode

from core.test_control import Rig, parse
from core.test_control_frames import frames as _drain

REQUESTS = [encode(r) for r in (
    {"id": 1, "cmd": "hello"}, {"id": 2, "cmd": "state"}, {"id": 3, "cmd": "stats"},
    {"id": 4, "cmd": "renew"}, {"id": 5, "cmd": "config", "args": {"set": {"hostname": "h"}}},
    {"id": 6, "cmd": "subscribe"}, {"id": 7, "cmd": "errors"}, {"id": 8, "cmd": "server"},
    {"id": 9, "cmd": "release"}, {"id": 10, "cmd": "stats", "args": {"reset": True}})]


def _fuzz(n):
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def _accounted(r, data, got):
    """Every complete line is a frame or one counted drop (oversize lines
    are counted once, whatever they hold)."""
    lines = data.count(b"\n")
    total = r.frames + r.noise + r.bad_crc + r.bad_json + r.oversize
    return total == lines and len(got) == r.frames


@_fuzz(3000)
@given(st.binary(max_size=3000), st.lists(st.integers(1, 400), max_size=20),
       st.sampled_from([64, 256, 1024]))
def test_random_bytes_any_split(data, cuts, limit):
    r = FrameReader(limit)
    got = []
    i = 0
    for c in cuts:
        r.receive_data(data[i:i + c])
        got += _drain(r)
        i += c
    r.receive_data(data[i:])
    got += _drain(r)
    assert all(isinstance(f, dict) for f in got)
    assert _accounted(r, data, got)
    assert len(r._buf) <= limit


@st.composite
def mutated(draw):
    """Valid requests with noise between them and random byte edits."""
    parts = []
    for _ in range(draw(st.integers(1, 6))):
        parts.append(draw(st.sampled_from(REQUESTS)))
        parts.append(draw(st.sampled_from([b"", b">>> ", b"\r\n", b"Traceback\r\n",
                                           b"\x00\xff\x03\n", b"@@", b"#", b"\n"])))
    data = bytearray(b"".join(parts))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 2))
        if op == 0:
            data[pos] = draw(st.integers(0, 255))
        elif op == 1:
            del data[pos]
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=4))
    return bytes(data)


@_fuzz(3000)
@given(mutated())
def test_mutated_frames_reader(data):
    r = FrameReader(1024)
    r.receive_data(data)
    got = _drain(r)
    assert _accounted(r, data, got)


@_fuzz(1500)
@given(mutated(), st.booleans())
def test_mutated_requests_controller(data, bound):
    g = Rig()
    if bound:
        g.bind()
    out = parse(g.ctl.feed(0, data, g.r.now) + g.ctl.pending(0))
    responses = [o for o in out if "ok" in o]
    # one response per valid frame that had an id; none for the rest
    assert len(responses) == _with_id(data)
    for o in responses:
        assert o["ok"] in (True, False)
        if not o["ok"]:
            assert o["error"]["code"] in ("bad_request", "unknown_command", "bad_args",
                                          "not_allowed"), o


def _with_id(data):
    r = FrameReader(1024)
    r.receive_data(data)
    return sum(1 for f in _drain(r) if f.get("id") is not None
               and ("cmd" in f or not ("ok" in f or "event" in f)))


def test_controller_survives_a_megabyte_of_garbage():
    import random
    rnd = random.Random(5)
    g = Rig()
    g.bind()
    for _ in range(64):
        g.ctl.feed(0, bytes(rnd.getrandbits(8) for _ in range(16384)), 0)
    out = parse(g.ctl.feed(0, b"\n" + REQUESTS[1], 0))
    assert out[0]["result"]["state"] == "BOUND"


def test_host_reader_survives_very_deep_nesting():
    """CPython's json recurses: 30000 levels would raise RecursionError."""
    import binascii
    p = b"[" * 30000 + b"]" * 30000
    r = FrameReader(65536)
    r.receive_data(b"@@" + p + ("#%08x\n" % binascii.crc32(p)).encode() + REQUESTS[0])
    assert _drain(r) == [{"id": 1, "cmd": "hello"}] and r.bad_json == 1


# -- the same streams under MicroPython ---------------------------------------
# Hypothesis cannot run inside the unix port, so it makes the cases here and
# tests/mp/frames_replay.py replays them there: frames, counters and the
# partial line must come out exactly as on CPython.

# any code point but lone surrogates (not text); astral ones made likely:
# CPython's json escapes them as surrogate pairs
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)) | st.sampled_from("é€😀\U0010fffd"),
                max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2 ** 62, 2 ** 62) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12)


@st.composite
def line_streams(draw):
    """Frames of random JSON objects (any Unicode, as a host sends them)
    among REPL-like noise and binary garbage, edited at random, cut into
    chunks at random places; with a random line limit."""
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(encode(draw(st.dictionaries(_TEXT, _JSON, max_size=5))))
        elif kind == 1:
            parts.append(draw(st.sampled_from(REQUESTS)))
        elif kind == 2:
            parts.append(draw(st.sampled_from([b">>> ", b"\r\n", b"Traceback\r\n", b"@@",
                                               b"#", b"\n", b"\x00\xff\n"])))
        else:
            parts.append(draw(st.binary(max_size=80)))
    data = bytearray(b"".join(parts))
    for _ in range(draw(st.integers(0, 3))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    data = bytes(data)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=6)))
    chunks = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    return {"limit": draw(st.sampled_from([64, 256, 1024])), "chunks": chunks}


@_fuzz(10)
@given(st.lists(line_streams(), min_size=60, max_size=60))
def test_same_frames_and_counts_under_micropython(cases):
    import json
    import subprocess

    import rig
    from mp.frames_replay import replay
    wire = [{"limit": c["limit"], "chunks": [x.hex() for x in c["chunks"]]} for c in cases]
    r = subprocess.run(rig.interpreter("micropython") + [
        os.path.join(rig.REPO, "tests", "mp", "frames_replay.py"), rig.SHARED],
        input=json.dumps(wire).encode(), capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    # surrogatepass: what MicroPython writes is shown, even if not UTF-8
    # split at "\n" only: splitlines() also cuts at U+0085, U+2028 inside strings
    lines = r.stdout.decode("utf-8", "surrogatepass").split("\n")[:-1]
    assert len(lines) == len(cases), r.stdout + r.stderr
    for case, line in zip(wire, lines):
        assert json.loads(line) == replay(case), case

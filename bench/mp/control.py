"""The MicroPython half of bench/control.py:
`micropython bench/mp/control.py INPUT.json SHARED_DIR TESTS_CORE_DIR`.

INPUT.json holds {"request": hex of a frame line, "n": count} (a file: the
unix-port wrapper crashes on long command-line arguments). Prints one JSON
object: heap bytes (gc.mem_alloc difference, no collection in between) per
decoded request frame, per encoded small response and event frame, per
encoded `state` reply of a bound lease (the largest frame the
board sends) - encoded as the board does, by encode_parts() (pieces written
one after the other), and for comparison as one line by encode() - and per
full Controller.feed_parts() of a `state` request against a bound client;
µs per decode and per encode. The gc is off during each
measured call.
"""
import gc
import json
import sys
import time
from binascii import unhexlify

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else "shared")
sys.path.insert(0, sys.argv[3] if len(sys.argv) > 3 else "tests/core")
from dhcp4c.frames import FrameReader, encode, encode_parts  # noqa: E402
from dhcp4c.control import Controller  # noqa: E402
from fakeserver import Run  # noqa: E402


def heap(fn):
    fn()                  # the first call pays for anything cached
    gc.collect()
    gc.disable()          # no collection may hide what the call allocates
    before = gc.mem_alloc()
    fn()
    used = gc.mem_alloc() - before
    gc.enable()
    return used


def per_call_us(fn, n):
    t0 = time.ticks_us()
    for _ in range(n):
        fn()
    return time.ticks_diff(time.ticks_us(), t0) / n


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    req, n = unhexlify(spec["request"]), spec["n"]
    reader = FrameReader(1024)

    def decode_one():
        reader.receive_data(req)
        return reader.next_frame()

    resp = {"id": 1, "ok": True, "result": {"state": "BOUND"}}
    ev = {"event": "state", "seq": 3, "old": "BOUND", "new": "RENEWING", "why": "renew"}
    r = Run()
    r.bind()
    ctl = Controller(r.c, "0.1.0", "bench")
    state = ctl.feed(0, req, 1000)
    reply = json.loads(state[2:state.rindex(b"#")])   # the bound lease's `state` reply

    out = {
        "heap_decode_request": heap(decode_one),
        "heap_encode_state_reply": heap(lambda: encode_parts(reply)),
        "heap_encode_state_line": heap(lambda: encode(reply)),
        "heap_encode_response": heap(lambda: encode_parts(resp)),
        "heap_encode_event": heap(lambda: encode_parts(ev)),
        "heap_feed_state": heap(lambda: ctl.feed_parts(0, req, 1000)),
        "feed_state_bytes": len(ctl.feed(0, req, 1000)),
        "decode_us": per_call_us(decode_one, n),
        "encode_us": per_call_us(lambda: encode_parts(resp), n),
        "feed_state_us": per_call_us(lambda: ctl.feed_parts(0, req, 1000), n // 4),
    }
    print(json.dumps(out))


main()

"""The MicroPython half of bench/codec.py: `micropython bench/mp/codec.py INPUT.json SHARED_DIR`.

INPUT.json holds {"ack": hex, "discover": hex, "n": count} (a file, because
the unix-port wrapper crashes on very long command-line arguments).

Prints one JSON object: µs per decode/encode and heap bytes per decode.
"""
import gc
import json
import sys
import time
from binascii import unhexlify

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else "shared")
from dhcp4c.message import decode, encode_into  # noqa: E402


def per_call_us(fn, arg, n):
    t0 = time.ticks_us()
    for _ in range(n):
        fn(arg)
    return time.ticks_diff(time.ticks_us(), t0) / n


def heap_per_decode(raw):
    decode(raw)  # first call pays for anything cached
    gc.collect()
    before = gc.mem_alloc()
    m = decode(raw)
    used = gc.mem_alloc() - before
    del m
    return used


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    ack, disc, n = unhexlify(spec["ack"]), unhexlify(spec["discover"]), spec["n"]
    buf = bytearray(1500)
    out = {}
    for name, raw in (("ack", ack), ("discover", disc)):
        m = decode(raw)
        out[name + "_decode_us"] = per_call_us(decode, raw, n)
        out[name + "_encode_us"] = per_call_us(lambda msg: encode_into(msg, buf), m, n)
        out[name + "_heap_per_decode"] = heap_per_decode(raw)
    print(json.dumps(out))


main()

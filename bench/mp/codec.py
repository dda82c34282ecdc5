"""The MicroPython half of bench/codec.py: `micropython bench/mp/codec.py INPUT.json SHARED_DIR`.

INPUT.json holds {"messages": [[name, hex], ...], "n": count} (a file,
because the unix-port wrapper crashes on very long command-line arguments).

Prints one JSON object: name -> [µs per decode, µs per encode, heap bytes
per decode].
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
    n = spec["n"]
    buf = bytearray(1500)
    out = {}
    for name, hexed in spec["messages"]:
        raw = unhexlify(hexed)
        m = decode(raw)
        out[name] = [per_call_us(decode, raw, n),
                     per_call_us(lambda msg: encode_into(msg, buf), m, n),
                     heap_per_decode(raw)]
    print(json.dumps(out))


main()

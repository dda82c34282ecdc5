"""MicroPython half of tests/test_control_fuzz.py's differential test:
`micropython tests/mp/frames_replay.py SHARED_DIR < cases.json`.

Each case is {"limit": n, "chunks": [hex, ...]}: the chunks are fed in turn
to one FrameReader, its frames taken after each chunk (replay(), which the
CPython side imports and runs on the same cases). Prints one JSON line
per case: {"frames": [...], "counters": {...}, "buf": len of the partial line}.
A case that raises prints {"raised": "<type>: <message>"}, so the host sees
it instead of a dead process.
"""
import json
import sys
from binascii import unhexlify

if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "shared")
from dhcp4c.frames import FrameReader, NEED_DATA  # noqa: E402


def replay(case):
    r = FrameReader(case["limit"])
    got = []
    for chunk in case["chunks"]:
        r.receive_data(unhexlify(chunk))
        while True:
            f = r.next_frame()
            if f is NEED_DATA:
                break
            got.append(f)
    return {"frames": got, "counters": r.counters(), "buf": len(r._buf)}


def main():
    for case in json.loads(sys.stdin.read()):
        try:
            out = replay(case)
        except Exception as e:
            out = {"raised": "{}: {}".format(type(e).__name__, e)}
        print(json.dumps(out))


if __name__ == "__main__":
    main()

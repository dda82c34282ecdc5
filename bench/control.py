"""Control-channel benchmark (issue 5), run by `make bench`:

- median round-trip time of a `state` request from dhcpctl's Session to a
  Controller peer (tests/ctlpeer.py: Client + Controller + fake server, a
  separate process) over a Unix stream socket and over a pty pair;
- heap allocated per frame by the codec under the MicroPython unix port
  (bench/mp/control.py; target <= 1 KB per frame), and per full `state`
  request through Controller.feed().
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SHARED = os.path.join(REPO, "shared")
CORE = os.path.join(REPO, "tests", "core")
sys.path[:0] = [SHARED, os.path.join(REPO, "host")]
BIN = os.path.dirname(sys.executable)

import dhcpctl  # noqa: E402
from dhcp4c.frames import encode  # noqa: E402

N = 500


def rtt(args, link_of):
    p = subprocess.Popen([sys.executable, os.path.join(REPO, "tests", "ctlpeer.py")] + args,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        addr = p.stdout.readline().split()[1]
        sess = dhcpctl.Session(link_of(addr), 5.0)
        for _ in range(20):
            sess.request("state")
        times = []
        for _ in range(N):
            t0 = time.perf_counter()
            sess.request("state")
            times.append((time.perf_counter() - t0) * 1e6)
        sess.link.close()
        return statistics.median(times), sorted(times)[int(N * 0.9)]
    finally:
        p.stdin.close()
        p.wait(5)


def micropython():
    with tempfile.NamedTemporaryFile("w", suffix=".json") as spec:
        json.dump({"request": encode({"id": 1, "cmd": "state"}).hex(), "n": 2000}, spec)
        spec.flush()
        out = subprocess.run([os.path.join(BIN, "micropython"),
                              os.path.join(HERE, "mp", "control.py"), spec.name, SHARED, CORE],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ctl.sock")
        u_med, u_p90 = rtt(["--unix", path], dhcpctl.SocketLink)
    p_med, p_p90 = rtt(["--pty"], lambda a: dhcpctl.open_serial(a, 115200))
    print("control channel: `state` round trip, dhcpctl Session <-> Controller peer process "
          "({} requests)".format(N))
    print("  unix socket   median {:7.1f} µs   p90 {:7.1f} µs".format(u_med, u_p90))
    print("  pty pair      median {:7.1f} µs   p90 {:7.1f} µs".format(p_med, p_p90))
    mp = micropython()
    per_frame = max(mp["heap_decode_request"], mp["heap_encode_response"],
                    mp["heap_encode_event"])
    print("MicroPython unix port, heap per frame (gc.mem_alloc):")
    print("  decode `state` request {:5} B   encode small response {:5} B   encode event {:5} B"
          .format(mp["heap_decode_request"], mp["heap_encode_response"],
                  mp["heap_encode_event"]))
    print("  whole `state` via Controller.feed (bound lease, {} B reply): {} B, {:.0f} µs".format(
        mp["feed_state_bytes"], mp["heap_feed_state"], mp["feed_state_us"]))
    print("  decode {:.1f} µs, encode {:.1f} µs per frame".format(mp["decode_us"], mp["encode_us"]))
    print("target: codec heap per frame <= 1024 B: {} B {}".format(
        per_frame, "ok" if per_frame <= 1024 else "MISSED"))


if __name__ == "__main__":
    main()

"""Control-channel benchmark (issue 5), run by `make bench`:

- median round-trip time of a `state` request from dhcpctl's Session
  (bench process) to
  - the real daemon: host/dhcpc bound by dnsmasq in a namespace rig
    (tests/rig.py Lab), over its Unix control socket (root only; otherwise
    the line says skipped);
  - a bare Controller peer (tests/ctlpeer.py: Client + Controller + fake
    server in one separate process) over a Unix socket and over a pty pair,
    the same code without the daemon's loop around it;
- heap allocated per frame by the codec under the MicroPython unix port
  (bench/mp/control.py, gc off during each call; target <= 1 KB per frame):
  decoding a request, encoding small responses and events, encoding the
  largest reply (`state` of a bound lease), all as the board encodes them
  (frames.encode_parts: pieces written one after the other); the same reply
  as one joined line (encode(), as the host tools do) for comparison; and
  per full `state` request through Controller.feed_parts() (codec and
  controller together).
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
        try:
            return timed(sess)
        finally:
            sess.link.close()
    finally:
        p.stdin.close()
        p.wait(5)


def daemon_rtt():
    """(median, p90) µs of `state` on the real dhcpc's socket, or the reason
    it was skipped."""
    if os.geteuid() != 0:
        return "skipped: needs root (network namespaces)"
    sys.path.insert(0, os.path.join(REPO, "tests"))
    import rig
    with rig.Lab() as lab:
        lab.dnsmasq(lease="1h")
        path = os.path.join(lab.tmp, "dhcpc.sock")
        p = lab.start(rig.interpreter("python") + [
            "-I", "-S", os.path.join(REPO, "host", "dhcpc"), "-i", lab.client_if, "-f",
            "-s", "/bin/true", "--leasefile", "", "--control", path])
        deadline = time.monotonic() + 20
        while True:
            if os.path.exists(path):
                sess = dhcpctl.Session(dhcpctl.SocketLink(path), 5.0)
                if sess.request("state")["state"] == "BOUND":
                    break
                sess.link.close()
            if time.monotonic() > deadline or p.poll() is not None:
                return "failed: dhcpc did not bind:\n" + lab.log(p)
            time.sleep(0.05)
        try:
            return timed(sess)
        finally:
            sess.link.close()


def timed(sess):
    for _ in range(20):
        sess.request("state")
    times = []
    for _ in range(N):
        t0 = time.perf_counter()
        sess.request("state")
        times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times), sorted(times)[int(N * 0.9)]


def micropython():
    with tempfile.NamedTemporaryFile("w", suffix=".json") as spec:
        json.dump({"request": encode({"id": 1, "cmd": "state"}).hex(), "n": 2000}, spec)
        spec.flush()
        out = subprocess.run([os.path.join(BIN, "micropython"),
                              os.path.join(HERE, "mp", "control.py"), spec.name, SHARED, CORE],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    d = daemon_rtt()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ctl.sock")
        u_med, u_p90 = rtt(["--unix", path], dhcpctl.SocketLink)
    p_med, p_p90 = rtt(["--pty"], lambda a: dhcpctl.open_serial(a, 115200))
    print("control channel: `state` round trip from dhcpctl's Session ({} requests)".format(N))
    if isinstance(d, str):
        print("  dhcpc daemon, Unix socket            {}".format(d))
    else:
        print("  dhcpc daemon, Unix socket            median {:7.1f} µs   p90 {:7.1f} µs"
              .format(*d))
    print("  Controller peer process, Unix socket median {:7.1f} µs   p90 {:7.1f} µs".format(
        u_med, u_p90))
    print("  Controller peer process, pty pair    median {:7.1f} µs   p90 {:7.1f} µs".format(
        p_med, p_p90))
    mp = micropython()
    frames = {"decode `state` request": mp["heap_decode_request"],
              "encode small response": mp["heap_encode_response"],
              "encode event": mp["heap_encode_event"],
              "encode `state` reply (bound lease)": mp["heap_encode_state_reply"]}
    print("MicroPython unix port, codec heap per frame the board handles (gc.mem_alloc, "
          "gc off during the call):")
    for k, v in frames.items():
        print("  {:<36} {:5} B".format(k, v))
    print("  (the same reply as one joined line, encode(): {} B)".format(
        mp["heap_encode_state_line"]))
    print("  whole `state` via Controller.feed_parts (bound lease, {} B reply): {} B, {:.0f} µs"
          .format(mp["feed_state_bytes"], mp["heap_feed_state"], mp["feed_state_us"]))
    print("  decode {:.1f} µs, encode {:.1f} µs per small frame".format(
        mp["decode_us"], mp["encode_us"]))
    worst = max(frames, key=frames.get)
    print("target: codec heap per frame <= 1024 B: largest {} B ({}) {}".format(
        frames[worst], worst, "ok" if frames[worst] <= 1024 else "MISSED"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

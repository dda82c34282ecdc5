"""The daemon's retransmissions (issue 16, item 2): RFC 2131 §4.1's back-off
by default (4, 8, 16 ... s, each moved by up to 1 s), udhcpc's fixed
interval when -T is given. Timed by a listener on the server side, with no
server answering; the windows are the RFC's, not a performance figure."""
import os
import sys
import time

import rig
from dhcpcrig import Run

sys.path.insert(0, os.path.join(rig.REPO, "host"))
from dhcpc.cli import config_from, parse_args  # noqa: E402

LISTENER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 67))
print("ready", flush=True)
while True:
    data = s.recv(2048)
    if len(data) > 242 and data[0] == 1:
        print("%.3f %s" % (time.monotonic(), data[4:8].hex()), flush=True)
"""


def discovers(lab, args, n, timeout):
    lis = lab.start([sys.executable, "-c", LISTENER], ns="server", name="listener")
    deadline = time.monotonic() + 5
    while "ready" not in lab.log(lis) and time.monotonic() < deadline:
        time.sleep(0.05)
    r = Run(lab, ["-f"] + args, name="dhcpc" + "".join(args)).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = [ln.split() for ln in lab.log(lis).splitlines() if ln[:1].isdigit()]
        if len(seen) >= n:
            break
        time.sleep(0.1)
    r.proc.terminate()
    r.proc.wait(5)
    lab.stop(lis)
    assert len(seen) >= n, (seen, r.log())
    return [float(t) for t, _ in seen[:n]], [x for _, x in seen[:n]]


def test_flags_choose_the_retransmission():
    assert config_from(parse_args([])).timeout is None          # back-off
    assert config_from(parse_args(["-T", "2"])).timeout == 2    # udhcpc's fixed -T


def test_back_off_by_default(lab):
    times, xids = discovers(lab, [], 3, 20)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert 3 - 0.3 <= gaps[0] <= 5 + 0.3 and 7 - 0.3 <= gaps[1] <= 9 + 0.3, gaps
    assert len(set(xids)) == 1        # one exchange, retransmitted


def test_fixed_interval_with_T(lab):
    times, _ = discovers(lab, ["-T", "1", "-t", "5"], 3, 10)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.7 <= g <= 1.5 for g in gaps), gaps

"""Start -> bound on the virtual board, with a stored lease and without
(issue 16, item 8: the fast reconnect after a reset or a deep sleep).

    .venv/bin/python bench/board_boot.py [RUNS]      (root: namespaces, dnsmasq)

Each run spawns the firmware image (build/micropython/bin/micropython-i386-
frozen, dhcp4c and the board library frozen in) in the rig's client
namespace with boards/unix/board.py and BOOT_PROG: DHCP.from_board(), poll()
until dhcp.lease is set (the address on the NIC). Times are from the spawn
(`ip netns exec` and the interpreter's start included) to its exit, and to
the first DHCPDISCOVER seen on the server's interface (a packet socket
there; the same monotonic clock). Cases:
1. no stored lease: DISCOVER, OFFER, REQUEST, ACK;
2. a stored lease the server knows (the one the previous run got):
   INIT-REBOOT, one REQUEST and its ACK;
3. a stored lease for an address the server never handed out, dnsmasq
   without dhcp-authoritative (it drops that REQUEST without a word): the
   board's default Config.reboot (dhcp4c_board.REBOOT_MS) REQUESTs at 0
   and REBOOT_MS/2, then DISCOVERs;
4. as 3 with reboot=None: RFC 2131's own retransmission of the INIT-REBOOT
   REQUEST before DISCOVER (what the default bounds), one run.
Prints one table (median, min, max in ms)."""
import os
import re
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(REPO, "tests"), os.path.join(REPO, "shared")]
import rig  # noqa: E402
from test_firmware_board import DISCOVER, dnsmasq_ignoring, frames, sniffer  # noqa: E402

BOOT_PROG = """
import sys
import board
from dhcp4c_board import DHCP
kw = {"reboot": None} if "unbounded" in sys.argv else {}
dhcp = DHCP.from_board(board, **kw)
while dhcp.lease is None:
    dhcp.poll(50)
"""
with open(os.path.join(REPO, "firmware", "dhcp4c_board.py")) as _f:
    REBOOT_MS = int(re.search(r"^REBOOT_MS = (\d+)", _f.read(), re.M).group(1))
UNKNOWN = "192.0.2.42"      # outside dnsmasq's range: never handed out


def stored(d, addr):
    with open(os.path.join(d, "dhcp4c.lease"), "w") as f:
        f.write("dhcp4c1 {} 255.255.255.0 192.0.2.1 120 {}".format(addr, int(time.time()) + 100))


def lease_addr(d):
    with open(os.path.join(d, "dhcp4c.lease")) as f:
        return f.read().split()[1]


def boot(lab, d, sn=None, args=()):
    """One run: (ms to exit, ms to the first DISCOVER or None)."""
    env = dict(os.environ, MICROPYPATH=".frozen", DHCP4C_IF=lab.client_if)
    exe = rig.interpreter("micropython-i386-frozen")[0]
    t = time.monotonic()
    lab.run([exe, "boot.py"] + list(args), cwd=d, env=env, timeout=300)
    bound = (time.monotonic() - t) * 1000
    disc = None
    if sn is not None:
        for at, kind, _ in frames(lab, sn):
            if kind == DISCOVER and at >= t:
                disc = (at - t) * 1000
                break
    lab.client_flush()
    return bound, disc


def setup(lab):
    d = os.path.join(lab.tmp, "board")
    os.mkdir(d)
    shutil.copy(os.path.join(REPO, "boards", "unix", "board.py"), d)
    with open(os.path.join(d, "boot.py"), "w") as f:
        f.write(BOOT_PROG)
    return d


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    rows = []
    with rig.Lab() as lab:
        lab.dnsmasq()
        d = setup(lab)
        fresh, known = [], []
        for _ in range(runs):
            if os.path.exists(os.path.join(d, "dhcp4c.lease")):
                os.remove(os.path.join(d, "dhcp4c.lease"))
            fresh.append(boot(lab, d)[0])
            stored(d, lease_addr(d))            # as the run left it
            known.append(boot(lab, d)[0])
        rows.append(("1. no stored lease (DORA)", fresh, None))
        rows.append(("2. stored lease, server knows it (INIT-REBOOT)", known, None))
    for label, args, n in (("3. stored lease ignored, reboot={} ms".format(REBOOT_MS), (), runs),
                           ("4. stored lease ignored, reboot=None (RFC 2131)",
                            ("unbounded",), 1)):
        with rig.Lab() as lab:
            d = setup(lab)
            sn = sniffer(lab)
            bound, disc = [], []
            for _ in range(n):
                srv = dnsmasq_ignoring(lab)     # a fresh one: no lease for the board
                stored(d, UNKNOWN)
                b, t = boot(lab, d, sn, args)
                bound.append(b)
                disc.append(t)
                lab.stop(srv)
                os.remove(os.path.join(lab.tmp, "dnsmasq-na.leases"))
            rows.append((label, bound, disc))
    print("start -> bound on the virtual board (i386 frozen image, dnsmasq), ms")
    print("{:<50} {:>4} {:>9} {:>9} {:>9} {:>16}".format(
        "case", "runs", "median", "min", "max", "first DISCOVER"))
    for label, t, disc in rows:
        dm = "-" if not disc or None in disc else "{:.0f}".format(statistics.median(disc))
        print("{:<50} {:>4} {:>9.0f} {:>9.0f} {:>9.0f} {:>16}".format(
            label, len(t), statistics.median(t), min(t), max(t), dm))


if __name__ == "__main__":
    main()

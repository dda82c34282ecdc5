"""Soak: the firmware on the virtual board through N renewals and an
interface taken away and given back (issue 17, item 5, the board part).

    .venv/bin/python bench/soak_board.py [--cycles N] [--removals R]   (root; 1000, 4)
    .venv/bin/python bench/soak.py --board [--cycles N]   the same, from bench/soak.py

The board is the i386 firmware image (dhcp4c and the board library frozen
in, firmware/main.py as its application) in a namespace rig against
dnsmasq, flashed with `make flash`, as tests/test_firmware.py runs it. The
renewals go through one control connection (`renew`, then the `lease`
event; tests/test_firmware_soak.py's Session), so each takes milliseconds.
The heap is main.py's console line at each lease event: gc.mem_alloc()
after a collection. Printed: the heap at the first renewal after the
warm-up and at the last, the growth per 1,000 renewals, the range; then the
interface taken away and given back REMOVALS times, moved out of the
board's namespace and back or deleted and created again by turns (when it
comes back with another index the board's socket, bound to the old one, is
dead: ENODEV, and is reopened), the link counters of `stats` against the
number of index changes, the time until the board is bound again each time
and the heap after AFTER renewals following each (a loss also adds entries
to the control channel's ring of recent errors, 8 at most); the whole
run's duration. tests/test_firmware_soak.py asserts on the same.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
for _p in (os.path.join(REPO, "scripts"), os.path.join(REPO, "tests", "core"),
           os.path.join(REPO, "shared"), os.path.join(REPO, "tests")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import micropython as mpbuild  # noqa: E402  (scripts/micropython.py)
import rig  # noqa: E402
from test_firmware import VBoard  # noqa: E402
from test_firmware_soak import (Session, away_and_back, move_interface_away_and_back,  # noqa: E402
                                recreate_interface, renewals, wait_heap_lines, wait_state)

WARM = 20       # renewals before the first heap figure: the heap settles
REMOVALS = 4    # times the interface is taken away and given back
AFTER = 50      # renewals after each
BLOCK = 100     # renewals between two progress lines


def soak(lab, cycles, removals=REMOVALS, progress=print):
    """The run on `lab`; returns its figures as a dict."""
    t0 = time.monotonic()
    lab.dnsmasq()           # lab.procs[0]
    b = VBoard(lab)
    b.flash()
    sess = Session(b)
    try:
        wait_state(sess, "BOUND", 20)
        r = {"boot_s": time.monotonic() - t0}
        t = time.monotonic()
        done = 0
        while done < cycles:
            n = min(BLOCK, cycles - done)
            renewals(sess, n)
            done += n
            progress("  {} renewals".format(done))
        r["renew_s"] = time.monotonic() - t
        heaps = [h for k, _, h in wait_heap_lines(b, cycles + 1) if k == "renewed"]
        if len(heaps) != cycles:
            raise SystemExit("soak_board: {} heap lines for {} renewals".format(len(heaps),
                                                                             cycles))
        r["heaps"] = heaps
        r["rebound_s"], r["after"], r["changed"] = [], [], 0
        srv = lab.procs[0]
        for i in range(removals):
            t = time.monotonic()
            how = recreate_interface if i % 2 else move_interface_away_and_back
            srv, changed = away_and_back(lab, sess, srv, how)
            r["changed"] += changed
            wait_state(sess, "BOUND", 5)
            r["rebound_s"].append(time.monotonic() - t)
            renewals(sess, AFTER)
            r["after"].append(wait_heap_lines(b, cycles + 1 + (i + 1) * (AFTER + 1))[-1][2])
        r["link"] = sess.request("stats")["link"]
        r["memory_errors"] = b.console().count("MemoryError")
    finally:
        sess.close()
    r["total_s"] = time.monotonic() - t0
    return r


def report(r, cycles, removals=REMOVALS):
    heaps = r["heaps"]
    w = min(WARM, max(0, cycles - 1))
    start, end = heaps[w], heaps[-1]
    per = (end - start) * 1000.0 / max(1, cycles - 1 - w)
    lines = [
        "renewals: {} in {:.1f} s ({:.1f} ms each)".format(
            cycles, r["renew_s"], r["renew_s"] * 1000 / cycles),
        "heap after a collection: renewal {} {} B, renewal {} {} B; range {} .. {} B".format(
            w + 1, start, cycles, end, min(heaps[w:]), max(heaps[w:])),
        "heap growth per 1,000 renewals: {:+.0f} B".format(per),
        "interface taken away and given back {} times (moved, recreated by turns; a new index"
        " {} times): bound again in {} s; link {}".format(
            removals, r["changed"], ", ".join("{:.2f}".format(x) for x in r["rebound_s"]),
            " ".join("{}={}".format(k, v) for k, v in sorted(r["link"].items()))),
        "heap after {} renewals following each: {} B (against renewal {}: {})".format(
            AFTER, ", ".join(str(x) for x in r["after"]), cycles,
            ", ".join("{:+d}".format(x - end) for x in r["after"])),
        "MemoryError on the console: {}".format(r["memory_errors"]),
        "duration: {:.1f} s (board flashed and bound in {:.1f} s)".format(r["total_s"],
                                                                        r["boot_s"]),
    ]
    return "\n".join(lines)


def main(cycles=1000, removals=REMOVALS):
    if os.geteuid() != 0:
        print("bench/soak_board.py: needs root (network namespaces); skipped")
        return 0
    if not mpbuild.build_all(["unix-i386-frozen"]).get("unix-i386-frozen"):
        print("bench/soak_board.py: needs the MicroPython builds (scripts/micropython.py); skipped")
        return 0
    print("the virtual board (i386 frozen image): {} renewals, then its interface taken away"
          " and given back {} times".format(cycles, removals), flush=True)
    with rig.Lab() as lab:
        r = soak(lab, cycles, removals, progress=lambda s: print(s, flush=True))
    print(report(r, cycles, removals))
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=1000, help="renewals (default 1000)")
    ap.add_argument("--removals", type=int, default=REMOVALS,
                    help="times the interface is taken away (default {})".format(REMOVALS))
    a = ap.parse_args()
    sys.exit(main(a.cycles, a.removals))

"""Time to a lease the way a system starts a client (issue 16, item 1), for
dhcpc and the peers measured in the same run, against dnsmasq on a veth:

1. boot: `ip link set IF up` and the client started right after it, with no
   lease file and a new MAC each run (what ifupdown, boot scripts and hotplug
   do); the clock starts before `ip link set up` and stops at the client's
   bound script call;
2. carrier: a client bound on the link, the peer end taken down (carrier
   lost) and, 2 s later, brought up again; the clock starts at carrier up
   and stops when the client's script says the lease was confirmed (bound,
   renew, or dhcpcd's REBOOT). A client that does not watch the carrier
   keeps its lease without asking: "-" (it would notice a new network only
   at T1).

    .venv/bin/python bench/boot.py [RUNS]     (root; make bench)

Prints median / min / max / p90 in ms per client and scenario, and issue
16's target: dhcpc's median <= the fastest peer's in both.
"""
import os
import random
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import lease_time  # noqa: E402  (its client command lines and table helpers)
from lease_time import pct, rig  # noqa: E402

SCRIPT = """#!/bin/sh
case "$1$reason" in bound|renew|BOUND|REBOOT|RENEW|REBIND) echo b > "{fifo}";; esac
exit 0
"""


def client_rows(lab, script, tmp):
    """The clients of lease_time.py, without its rows that time Python
    itself: dhcpc (venv interpreter), udhcpc, dhclient, dhcpcd."""
    keep = ("dhcpc", "udhcpc", "dhclient", "dhcpcd")
    return [(n, c) for n, c in lease_time.clients(lab, script, tmp) if n in keep]


def forget_leases(lab, tmp):
    """No lease file for any client: dhcpc's and dhclient's live in tmp,
    dhcpcd's under /var/lib/dhcpcd, named after the (namespaced) interface."""
    for name in ("dhcpc.lease", "dhclient.leases"):
        try:
            os.unlink(os.path.join(tmp, name))
        except FileNotFoundError:
            pass
    d = "/var/lib/dhcpcd"
    if os.path.isdir(d):
        for name in os.listdir(d):
            if name.startswith(lab.client_if + ".") or name.startswith(lab.client_if + "-"):
                os.unlink(os.path.join(d, name))


def new_mac(lab):
    mac = "02:" + ":".join("{:02x}".format(random.randrange(256)) for _ in range(5))
    lab.run(["ip", "link", "set", lab.client_if, "address", mac])


def wait_fifo(fd, deadline):
    import select
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if poll.poll(left * 1000) and os.read(fd, 64):
            return True
        time.sleep(0.001)


def start(lab, cmd):
    return subprocess.Popen(["ip", "netns", "exec", lab.client_ns] + cmd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def boot_run(lab, cmd, fifo, tmp):
    lab.run(["ip", "link", "set", lab.client_if, "down"])
    new_mac(lab)
    lab.client_flush()
    forget_leases(lab, tmp)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        t0 = time.monotonic()
        subprocess.run(["ip", "-n", lab.client_ns, "link", "set", lab.client_if, "up"],
                       check=True)
        p = start(lab, cmd)
        ok = wait_fifo(fd, t0 + 30)
        elapsed = time.monotonic() - t0
    finally:
        os.close(fd)
    stop(p)
    return elapsed if ok else None


def carrier_run(lab, cmd, fifo, tmp):
    lab.client_flush()
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        p = start(lab, cmd)
        if not wait_fifo(fd, time.monotonic() + 30):
            stop(p)
            return None, False
        time.sleep(0.3)
        lab.run(["ip", "link", "set", lab.server_if, "down"], ns="server")
        time.sleep(2)
        while wait_fifo(fd, time.monotonic() + 0.01):
            pass        # anything the script said while the carrier was away
        t0 = time.monotonic()
        lab.run(["ip", "link", "set", lab.server_if, "up"], ns="server")
        ok = wait_fifo(fd, t0 + 8)
        elapsed = time.monotonic() - t0
    finally:
        os.close(fd)
    stop(p)
    return (elapsed if ok else None), True


def table(title, rows, runs):
    print("\n{} ({} runs each)".format(title, runs))
    print("{:10} {:>9} {:>9} {:>9} {:>9} {:>7}".format(
        "client", "median ms", "min ms", "max ms", "p90 ms", "none"))
    for name, times, none in rows:
        if not times:
            print("{:10} {:>9} {:>9} {:>9} {:>9} {:7d}".format(name, "-", "-", "-", "-", none))
            continue
        print("{:10} {:9.1f} {:9.1f} {:9.1f} {:9.1f} {:7d}".format(
            name, pct(times, 0.5), min(times), max(times), pct(times, 0.9), none))
    med = {n: pct(t, 0.5) for n, t, _ in rows if t}
    peers = [n for n in med if n != "dhcpc"]
    if "dhcpc" in med and peers:
        fastest = min(peers, key=med.get)
        print("target dhcpc: {:.1f} ms vs fastest peer {} {:.1f} ms {}".format(
            med["dhcpc"], fastest, med[fastest],
            "met" if med["dhcpc"] <= med[fastest] else "MISSED"))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    if os.geteuid() != 0:
        print("bench/boot.py: needs root (network namespaces); skipped")
        return 0
    with rig.Lab() as lab:
        tmp, fifo, script = lease_time.fifo_script(lab, SCRIPT)
        lab.dnsmasq(lease="1h")
        cl = client_rows(lab, script, tmp)
        boot = [[n, [], 0] for n, _ in cl]
        carrier = [[n, [], 0] for n, _ in cl]
        for _ in range(runs):            # round-robin, as lease_time.py
            for row, (_, cmd) in zip(boot, cl):
                t = boot_run(lab, cmd, fifo, tmp)
                if t is None:
                    row[2] += 1
                else:
                    row[1].append(t * 1000)
        for _ in range(runs):
            for row, (name, cmd) in zip(carrier, cl):
                if name == "dhcpcd":    # -1 (oneshot) exits once bound: no carrier to watch
                    cmd = [a for a in cmd if a != "-1"]
                t, bound = carrier_run(lab, cmd, fifo, tmp)
                if t is None:
                    row[2] += 1
                else:
                    row[1].append(t * 1000)
        table("boot: `ip link set up`, then the client; no lease file, a new MAC each run",
              boot, runs)
        table("carrier: peer end down 2 s then up, lease held; to the confirming script "
              "call (\"none\": no call within 8 s)", carrier, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

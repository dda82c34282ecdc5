"""The daemon's soak, short (issue 17, item 5): bench/soak.py's own code, 100
lease cycles instead of 1,000. Every kind of cycle opens and closes sockets
(packet socket closed on ENETDOWN or a send error and reopened, the UDP
socket closed on a NAK, a release or the interface going away, netlink
messages, two control connections per cycle ended four different ways), so
a leak of any of them shows as an fd that stays.

What is asserted, after a warm-up of 30 cycles, at every sample (every 10
cycles) up to the end:
- open fds exactly constant, kind by kind (packet, udp, netlink, unix, pipe);
- `control.clients` of `stats` back to 1 (the monitor's own connection) and
  the Unix sockets among the fds constant;
- no child process left (every script run reaped);
- the daemon alive and BOUND at the end, idle (no CPU burnt in a second of
  quiet: a closed fd left in the poll set would spin);
- RSS within RSS_BOUND_KIB of its value after the warm-up. RSS is not exact:
  it moves in 4 KiB pages as CPython's allocator touches them, its arenas
  and free lists keep memory after the objects are gone, and what the
  daemon does between two samples varies, so it drifts by a few pages
  without any leak (1,000 cycles of bench/soak.py: +40 KiB from cycle 100
  to 1,000; 100 cycles: 4 to 16 KiB from cycle 30 to 100). The bound is
  generous on purpose and still catches a leak of ~4 KiB a cycle (a lost
  socket object with its buffers, a list that keeps every event).
And that the cycles did what they say: the daemon's log has a NAK per nak
cycle, "interface gone" per re-created interface, an ENOBUFS and an
EMSGSIZE per send-error cycle, the UDP fallback per udp-error cycle; every new lease
(nak and release cycles) went through an ARP probe (-a100, a socket each).

The send-error cycle ends with an EMSGSIZE (MTU 100) that closes the packet
socket, then sends `rebind` every 50 ms while that socket waits out its
back-off after the failed send. Until host/dhcpc/daemon.py's
Daemon.send() stops re-arming that back-off when no socket is there to send
on (the fix is in issue 17's soak report), each of those commands pushes
the reopening further away and the socket stays closed for good: this test
fails at the first send-error cycle ("no lease after 60 x rebind").
"""
import os
import sys

import rig

sys.path.insert(0, os.path.join(rig.REPO, "bench"))
import soak  # noqa: E402

CYCLES = 100
WARMUP = 30
RSS_BOUND_KIB = 256      # over the 70 measured cycles: 3.7 KiB a cycle


def test_soak_fds_connections_constant(lab):
    r = soak.run_soak(lab, cycles=CYCLES, warmup=WARMUP, seed=17)
    report = soak.table(r)
    first, last = r["first"], r["last"]
    assert r["alive"] and r["state"]["state"] == "BOUND", report
    assert all(r["mix"][k] == CYCLES // len(soak.KINDS) for k in soak.KINDS), report
    for s in r["samples"]:
        assert s["kinds"] == first["kinds"], (s["cycle"], s["kinds"], first["kinds"], report)
        assert s["clients"] == 1 and s["children"] == 0, (s["cycle"], report)
    assert r["growth"]["fds"] == 0 and r["growth"]["clients"] == 0, report
    assert first["kinds"].get("packet") == 1 and first["kinds"].get("udp") == 1, report
    assert abs(last["rss"] - first["rss"]) <= RSS_BOUND_KIB, report
    assert r["idle_cpu_ms"] < 100, report
    log = r["log_counts"]
    assert log["Traceback"] == 0, report
    assert log["received NAK"] == r["mix"]["nak"], report
    assert log["interface gone"] == r["mix"]["iface-recreate"], report
    assert log["No buffer space"] == r["mix"]["send-error"], report      # ENOBUFS
    assert log["Message too long"] == r["mix"]["send-error"], report     # EMSGSIZE
    assert log["unicast via UDP socket"] >= r["mix"]["udp-error"], report
    assert r["probes"] == r["mix"]["nak"] + r["mix"]["release"], report    # -a100: ARP sockets
    ctl = last["stats"]["control"]
    assert ctl["clients_refused"] == 0, report
    assert ctl["connections"] >= 2 * CYCLES, report

"""Helpers for tests/test_ipv4ll.py, run inside a Lab namespace.

    ipv4ll_driver.py run IFACE MACHEX SCALE SECONDS
        dhcpc.ipv4ll.LinkLocal driven the way the daemon's main loop drives it
        (poll its socket -> readable(), tick(now) at next_deadline(), then
        events()), for SECONDS. Prints, one line each, flushed, times in
        monotonic ms:
            READY t
            S t STATE ADDR              whenever state or address changes
            E t KIND ADDR PEERHEX|-     each event
    ipv4ll_driver.py capture IFACE SECONDS
        every ARP frame on IFACE (Ethernet header included, both directions):
            READY t
            A t HEX

CLOCK_MONOTONIC is the same in every network namespace, so the times of
both compare.
"""
import binascii
import os
import select
import socket
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(REPO, "host"), os.path.join(REPO, "shared")]


def now_ms():
    return int(time.monotonic() * 1000)


def say(*words):
    print(*words, flush=True)


def dotted(addr):
    return ".".join(str(b) for b in addr)


def run(iface, machex, scale, seconds):
    from dhcpc.ipv4ll import LinkLocal
    now = now_ms()
    end = now + int(seconds * 1000)
    ll = LinkLocal(iface, binascii.unhexlify(machex), now, scale=scale)
    poll = select.poll()
    poll.register(ll.sock, select.POLLIN)
    say("READY", now)
    seen = None
    try:
        while True:
            now = now_ms()
            for kind, addr, peer in ll.events():
                say("E", now, kind, dotted(addr), peer.hex() if peer else "-")
            if (ll.state, ll.address) != seen:
                seen = (ll.state, ll.address)
                say("S", now, ll.state, dotted(ll.address))
            if now >= end:
                return
            dl = ll.next_deadline()
            timeout = end - now if dl is None else max(0, min(dl, end) - now)
            for fd, ev in poll.poll(timeout):
                ll.readable()
            ll.tick(now_ms())
    finally:
        ll.close()


def capture(iface, seconds):
    # ETH_P_ALL: a socket bound to ETH_P_ARP sees only what comes in, not
    # what this namespace's kernel sends (its ARP replies)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((iface, 3))
    end = time.monotonic() + seconds
    say("READY", now_ms())
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        s.settimeout(left)
        try:
            frame = s.recv(2048)
        except socket.timeout:
            return
        if frame[12:14] == b"\x08\x06":
            say("A", now_ms(), frame.hex())


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    elif sys.argv[1] == "capture":
        capture(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit("usage: ipv4ll_driver.py run IFACE MACHEX SCALE SECONDS | capture IFACE SECONDS")

"""The RFC 5227 ARP probe of a newly offered address (-a): ArpProbe, a packet
socket for ARP that the daemon's main loop polls, so signals, the control
socket and timers are served while it probes. What to do with its verdict
(DECLINE or bound) is the daemon's (Daemon.start_arp, arp_done), which
imports this module when the first probe starts: it is not on the way to the
first DISCOVER.
"""

from .linux import BCAST_MAC, ETH_P_ARP, open_arp


class ArpProbe:
    """RFC 5227 §2.1.1 probes for `addr` without blocking the daemon: the
    main loop polls `sock` (readable -> readable()) and calls tick(now) at
    next_deadline(). `conflict` is None while probing, then True (another
    host answered for the address or probes it too) or False.

    Timing is udhcpc's -a MSEC (default 2000): three probes spread over MSEC,
    a conflict counted until MSEC has passed - shorter than RFC 5227's
    PROBE_WAIT + 3 x PROBE_MIN..PROBE_MAX + ANNOUNCE_WAIT (~4-7 s), as udhcpc
    users expect; -a 7000 comes close to the RFC's total."""
    PROBES = 3

    def __init__(self, iface, mac, addr, msec, now):
        self.iface, self.mac, self.addr = iface, mac, addr
        self.conflict = None
        self.sock = open_arp(iface)
        # ARP request (RFC 826): Ethernet (1), IPv4, 6- and 4-byte addresses;
        # sender IP 0.0.0.0 and target MAC zero for a probe (RFC 5227 §2.1.1).
        self.probe = (b"\x00\x01\x08\x00\x06\x04\x00\x01" + bytes(mac) + bytes(4)
                      + bytes(6) + bytes(addr))
        self.end = now + msec
        self.step = max(1, msec // self.PROBES)
        self.sent = 0
        self.next_probe = now
        self.tick(now)

    def next_deadline(self):
        if self.conflict is not None:
            return None
        return min(self.next_probe, self.end) if self.sent < self.PROBES else self.end

    def tick(self, now):
        if self.conflict is not None:
            return
        if self.sent < self.PROBES and now >= self.next_probe:
            try:
                self.sock.sendto(self.probe, (self.iface, ETH_P_ARP, 0, 0, BCAST_MAC))
            except OSError:
                pass        # a lost probe is a lost probe; the others still go
            self.sent += 1
            self.next_probe = now + self.step
        if now >= self.end:
            self.conflict = False

    def readable(self):
        while self.conflict is None:
            try:
                pkt = self.sock.recv(128)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if len(pkt) < 28:
                continue
            op, sha, spa, tpa = pkt[7] | pkt[6] << 8, pkt[8:14], pkt[14:18], pkt[24:28]
            if sha == self.mac:
                continue
            if spa == self.addr or (op == 1 and spa == b"\0" * 4 and tpa == self.addr):
                self.conflict = True

    def close(self):
        self.sock.close()

"""RFC 3927 IPv4 link-local addresses (169.254/16) for the Linux daemon: the
fallback when no DHCP server answers. It decides and speaks ARP only; the
daemon configures the address (its script) and drops it when a lease comes.

    ll = LinkLocal(iface, mac, now)     # opens an ARP packet socket, starts
                                        # the first candidate's random wait
    loop:  poll ll.sock (POLLIN)        -> ll.readable()
           at ll.next_deadline()        -> ll.tick(now)   (None: nothing due;
                                           calling tick early does nothing)
           for kind, addr, peer in ll.events(): ...       (pops them)
    done:  ll.close()

Times are the caller's monotonic milliseconds (the daemon's now_ms()), as
for arp.ArpProbe. `ll.address` is the 4-byte address being probed or held,
`ll.state` one of "probing" (the initial wait included), "announcing",
"claimed". An event is a tuple (kind, addr, peer): addr 4 bytes, peer the
other host's MAC (6 bytes) or None:

    "claimed"   addr passed probing and the first announcement went out:
                configure it now (§2.4 allows its use from that moment);
    "conflict"  another host uses or probes addr while we probed it: nothing
                to undo, a new candidate is probed (ll.address);
    "defended"  a host claimed the address we hold; we announced it once
                more and keep it (§2.5 b);
    "lost"      a second conflict within DEFEND_INTERVAL: deconfigure addr
                now; a new candidate is probed (ll.address).

LinkLocalCore is the same machine without the socket (frames in through
receive(), out through datagrams()), for tests and for any other adapter;
LinkLocal adds the packet socket.

Choices where RFC 3927 leaves room, each marked where it is made:
- candidates come from `rand` (default: SHA-256 of the MAC and a counter,
  so the same interface gets the same first address on every boot, §2.1);
  the random waits come from `jitter` (default: the kernel's urandom), so a
  test can predict every candidate without predicting the timing;
- "claimed" is reported at the first announcement, and a conflict from then
  on is handled by the §2.5 rules (defend or give up), not §2.2.1's;
- the conflict counter restarts at zero once an address is claimed; a loss
  counts as one conflict of the next attempt;
- after MAX_CONFLICTS conflicts each further candidate waits
  RATE_LIMIT_INTERVAL before its first probe (§2.2.1: at most one new
  address per RATE_LIMIT_INTERVAL).

`scale` multiplies every interval (tests run the RFC's timing 4 times
faster); the default, 1, is RFC 3927's §9 timing.
"""
import hashlib
import posix
import time

from .linux import BCAST_MAC, ETH_P_ARP, open_arp

# RFC 3927 §9, in milliseconds (counts as they are).
PROBE_WAIT = 1000           # initial random delay
PROBE_NUM = 3               # number of probe packets
PROBE_MIN = 1000            # minimum delay till repeated probe
PROBE_MAX = 2000            # maximum delay till repeated probe
ANNOUNCE_WAIT = 2000        # delay before announcing
ANNOUNCE_NUM = 2            # number of announcement packets
ANNOUNCE_INTERVAL = 2000    # time between announcement packets
MAX_CONFLICTS = 10          # max conflicts before rate limiting
RATE_LIMIT_INTERVAL = 60000  # delay between successive attempts
DEFEND_INTERVAL = 10000     # minimum interval between defensive ARPs

# §2.1: 169.254.1.0 - 169.254.254.255; the first and last 256 are reserved.
FIRST = (169 << 24) | (254 << 16) | (1 << 8)
COUNT = 254 * 256           # 65024 addresses

STATES = ("probing", "announcing", "claimed")

# ARP (RFC 826) for Ethernet and IPv4: htype 1, ptype 0x0800, hlen 6, plen 4.
_ARP_ETH_IP4 = b"\x00\x01\x08\x00\x06\x04"
_ZERO4 = bytes(4)


def candidate(n):
    """The link-local address (4 bytes) an int `n` stands for: n modulo the
    65024 addresses of 169.254.1.0-169.254.254.255 (§2.1)."""
    k = FIRST + n % COUNT
    return bytes(((k >> 24) & 0xFF, (k >> 16) & 0xFF, (k >> 8) & 0xFF, k & 0xFF))


def mac_rand(mac):
    """A generator seeded from the MAC (§2.1): a callable returning, call by
    call, the same 32-bit ints for the same MAC (SHA-256 of the MAC and a
    counter), so its first candidate is stable across reboots."""
    mac = bytes(mac)
    count = [0]

    def rand():
        count[0] += 1
        digest = hashlib.sha256(mac + count[0].to_bytes(4, "big")).digest()
        return int.from_bytes(digest[:4], "big")
    return rand


def urandom32():
    """32 random bits from the kernel: the default source of the waits."""
    return int.from_bytes(posix.urandom(4), "big")


def arp_frame(op, mac, sender_ip, target_ip):
    """An ARP packet (no Ethernet header) from `mac`, target MAC zero."""
    return (_ARP_ETH_IP4 + bytes((0, op)) + bytes(mac) + bytes(sender_ip)
            + bytes(6) + bytes(target_ip))


def probe_frame(mac, addr):
    """§2.2.1 ARP probe: a request, sender IP 0.0.0.0, target IP `addr`."""
    return arp_frame(1, mac, _ZERO4, addr)


def announce_frame(mac, addr):
    """§2.4 ARP announcement: a request with sender and target IP `addr`."""
    return arp_frame(1, mac, addr, addr)


def parse_arp(pkt):
    """(op, sender MAC, sender IP, target IP) of an Ethernet/IPv4 ARP packet
    (no Ethernet header), None for anything else."""
    if len(pkt) < 28 or pkt[:6] != _ARP_ETH_IP4:
        return None
    return pkt[6] << 8 | pkt[7], bytes(pkt[8:14]), bytes(pkt[14:18]), bytes(pkt[24:28])


class LinkLocalCore:
    """RFC 3927 for one interface without I/O: receive(arp_packet, now),
    tick(now) at next_deadline(), then datagrams() (ARP packets to broadcast,
    §2.5: link-local ARP is always link-layer broadcast) and events()."""

    def __init__(self, mac, now, rand=None, jitter=None, scale=1):
        self.mac = bytes(mac)
        self.rand = rand if rand is not None else mac_rand(self.mac)
        self.jitter = jitter if jitter is not None else urandom32
        s = scale
        self.probe_wait = int(PROBE_WAIT * s)
        self.probe_min, self.probe_max = int(PROBE_MIN * s), int(PROBE_MAX * s)
        self.announce_wait = int(ANNOUNCE_WAIT * s)
        self.announce_interval = int(ANNOUNCE_INTERVAL * s)
        self.rate_limit_interval = int(RATE_LIMIT_INTERVAL * s)
        self.defend_interval = int(DEFEND_INTERVAL * s)
        self.conflicts = 0
        self._out = []
        self._events = []
        self._new_candidate(now)

    # --- the caller's side
    def next_deadline(self):
        """When tick() has something to do (monotonic ms), None when nothing
        is due until a packet arrives (the address is claimed)."""
        return self.next

    def events(self):
        """The events since the last call, oldest first; see the module."""
        ev, self._events = self._events, []
        return ev

    def datagrams(self):
        """The ARP packets to broadcast since the last call, in order."""
        out, self._out = self._out, []
        return out

    def tick(self, now):
        """Sends what is due at `now`: probes, then announcements (§2.2.1,
        §2.4). One step per call; each step schedules the next from `now`."""
        if self.next is None or now < self.next:
            return
        if self.state == "probing":
            if self.sent < PROBE_NUM:                       # §2.2.1
                self._out.append(probe_frame(self.mac, self.address))
                self.sent += 1
                self.next = now + (self._between(self.probe_min, self.probe_max)
                                   if self.sent < PROBE_NUM else self.announce_wait)
                return
            # ANNOUNCE_WAIT after the last probe without a conflict: ours (§2.4).
            self.state, self.sent, self.conflicts = "announcing", 0, 0
            self._events.append(("claimed", self.address, None))
        self._out.append(announce_frame(self.mac, self.address))   # §2.4
        self.sent += 1
        if self.sent < ANNOUNCE_NUM:
            self.next = now + self.announce_interval
        else:
            self.state, self.next = "claimed", None

    def receive(self, pkt, now):
        """An ARP packet (no Ethernet header) seen on the link at `now`.
        Ours (sender MAC == mac) and anything not Ethernet/IPv4 ARP are
        ignored."""
        arp = parse_arp(pkt)
        if arp is None:
            return
        op, sha, spa, tpa = arp
        if sha == self.mac:
            return
        addr = self.address
        if self.state == "probing":
            # §2.2.1: any ARP with our candidate as sender IP, or a probe for
            # it (sender IP 0, target IP the candidate), from another MAC.
            # Counted from the initial wait on (that wait is part of probing here).
            if spa == addr or (op == 1 and spa == _ZERO4 and tpa == addr):
                self._events.append(("conflict", addr, sha))
                self.conflicts += 1
                self._new_candidate(now)
            return
        if spa != addr:                 # §2.5: only a sender IP equal to ours
            return
        if self.last_conflict is None or now - self.last_conflict >= self.defend_interval:
            # §2.5 (b): no conflict within DEFEND_INTERVAL: record it, defend
            # with one announcement, keep the address.
            self.last_conflict = now
            self._out.append(announce_frame(self.mac, addr))
            self._events.append(("defended", addr, sha))
            return
        # §2.5 (c): a second conflict within DEFEND_INTERVAL: give it up and
        # start over with a new candidate (§2.2).
        self._events.append(("lost", addr, sha))
        self.conflicts += 1
        self._new_candidate(now)

    # --- inside
    def _between(self, lo, hi):
        """A wait drawn uniformly in [lo, hi] ms from jitter."""
        return lo + self.jitter() % (hi - lo + 1)

    def _new_candidate(self, now):
        """§2.1 a new address from rand; §2.2.1 a random wait of 0 to
        PROBE_WAIT before its first probe, or RATE_LIMIT_INTERVAL after
        MAX_CONFLICTS conflicts."""
        self.address = candidate(self.rand())
        self.state, self.sent, self.last_conflict = "probing", 0, None
        if self.conflicts >= MAX_CONFLICTS:
            self.next = now + self.rate_limit_interval
        else:
            self.next = now + self._between(0, self.probe_wait)


class LinkLocal(LinkLocalCore):
    """LinkLocalCore on an AF_PACKET ARP socket bound to `iface`, served by
    the daemon's main loop like arp.ArpProbe: poll `sock`, call readable()
    when it is readable and tick(now) at next_deadline(); what is due is
    sent at once. close() closes the socket (the address is the caller's
    to deconfigure)."""

    def __init__(self, iface, mac, now, rand=None, jitter=None, scale=1):
        self.iface = iface
        self.send_errors = 0
        self.sock = open_arp(iface)
        LinkLocalCore.__init__(self, mac, now, rand, jitter, scale)
        self.tick(now)

    def tick(self, now):
        LinkLocalCore.tick(self, now)
        self._send()

    def readable(self, now=None):
        """Reads every waiting ARP packet; a defence goes out at once.
        `now` defaults to time.monotonic() in ms (the daemon's clock)."""
        if now is None:
            now = int(time.monotonic() * 1000)
        while True:
            try:
                pkt = self.sock.recv(128)
            except OSError:         # EAGAIN: drained; anything else: try next time
                break
            self.receive(pkt, now)
        self._send()

    def _send(self):
        for frame in self.datagrams():
            try:
                self.sock.sendto(frame, (self.iface, ETH_P_ARP, 0, 0, BCAST_MAC))
            except OSError:
                self.send_errors += 1   # a lost ARP is a lost ARP; the timers go on

    def close(self):
        self.sock.close()

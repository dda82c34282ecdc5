"""A lease: what an ACK gave us, with absolute deadlines in the caller's clock.

    lease = Lease.from_ack(msg, start, src)   start: ms when the REQUEST was sent
    text = lease.to_text(now, wall)           short line to keep on flash / disk
    lease = Lease.from_text(text, now, wall)  back again, for INIT-REBOOT

Addresses are 4-byte bytes. Seconds (lease_time, t1, t2) are as repaired by
timers.lease_times(); *_at fields are the caller's monotonic ms, None for an
infinite lease (or an unknown expiry after from_text without wall time).
`options` is the ACK's raw {code: bytes} for anything not decoded here
(routes, NTP, MTU...: use dhcp4c.values to read them); siaddr, sname and
file are the ACK's header fields (next server, its name, the boot file;
RFC 2131 §2), sname and file as text up to the first NUL, b"" when empty or
overloaded with options.
"""
from dhcp4c.errors import MalformedError
from dhcp4c.timers import INFINITE, lease_times

_MAGIC = "dhcp4c1"


def addr_str(a):
    """'192.0.2.1' for 4 bytes; '-' for None."""
    if a is None:
        return "-"
    return "%d.%d.%d.%d" % (a[0], a[1], a[2], a[3])


def parse_addr(s):
    """4 bytes from '192.0.2.1'; None for '-'. Raises MalformedError."""
    if s == "-":
        return None
    parts = s.split(".")
    if len(parts) != 4:
        raise MalformedError("address", 0, "not a dotted quad: {}".format(s))
    out = bytearray(4)
    for i in range(4):
        p = parts[i]
        if not p.isdigit() or len(p) > 3 or int(p) > 255:
            raise MalformedError("address", i, "bad octet in {}".format(s))
        out[i] = int(p)
    return bytes(out)


class Lease:
    """Lease(address, ...): every field but the address by keyword (the
    module docstring lists them)."""

    def __init__(self, address, server_id=None, lease_time=None, t1=None, t2=None,
                 start=0, mask=None, routers=(), dns=(), domain=None,
                 server_addr=None, options=None, siaddr=None, sname=b"", file=b""):
        self.address = address
        self.server_id = server_id
        self.server_addr = server_addr if server_addr is not None else server_id
        self.mask = mask
        self.routers = list(routers)
        self.dns = list(dns)
        self.domain = domain
        self.options = options if options is not None else {}
        self.siaddr = siaddr
        self.sname = sname
        self.file = file
        self.lease_time, self.t1, self.t2 = lease_times(lease_time, t1, t2)
        self.start = start
        if self.t1 is None:
            self.t1_at = self.t2_at = self.expiry_at = None
        else:
            self.t1_at = start + self.t1 * 1000
            self.t2_at = start + self.t2 * 1000
            self.expiry_at = start + self.lease_time * 1000

    @property
    def router(self):
        return self.routers[0] if self.routers else None

    @property
    def infinite(self):
        return self.lease_time == INFINITE

    @classmethod
    def from_ack(cls, msg, start, src=None):
        """The lease in a decoded ACK. May raise MalformedError (bad option shape)."""
        return cls(msg.yiaddr, server_id=msg.addr(54), lease_time=msg.u32(51),
                   t1=msg.u32(58), t2=msg.u32(59), start=start, mask=msg.addr(1),
                   routers=msg.addrs(3) or (), dns=msg.addrs(6) or (), domain=msg.text(15),
                   server_addr=src, options=msg.options, siaddr=msg.siaddr,
                   sname=msg.sname, file=msg.file)

    def expired(self, now):
        return self.expiry_at is not None and now >= self.expiry_at

    def time_left(self, now):
        """Whole seconds until expiry (0 if past); None when infinite or unknown."""
        if self.expiry_at is None:
            return None
        left = self.expiry_at - now
        return left // 1000 if left > 0 else 0

    def same_params(self, other):
        """True when other carries the same address and parameters (a plain renewal)."""
        return (other is not None and self.address == other.address
                and self.server_id == other.server_id and self.mask == other.mask
                and self.routers == other.routers and self.dns == other.dns
                and self.domain == other.domain)

    def to_text(self, now, wall=None):
        """One short line: magic, address, mask, server id, lease seconds, and the
        expiry in wall-clock seconds (`wall` = the caller's wall clock now, in s)
        or '-' when no wall clock is known or the lease is infinite."""
        exp = "-"
        if wall is not None and self.expiry_at is not None:
            exp = str(wall + self.time_left(now))
        lt = "inf" if self.infinite else str(self.lease_time)
        return "{} {} {} {} {} {}".format(_MAGIC, addr_str(self.address), addr_str(self.mask),
                                          addr_str(self.server_id), lt, exp)

    @classmethod
    def from_text(cls, text, now, wall=None):
        """Inverse of to_text(). With both wall clocks known the expiry is carried
        over (it may already be past: see expired()); otherwise it is unknown and
        the server decides in INIT-REBOOT. Raises MalformedError on garbage."""
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode()
        f = text.split()
        if len(f) != 6 or f[0] != _MAGIC:
            raise MalformedError("lease", 0, "not a dhcp4c lease line")
        addr = parse_addr(f[1])
        if addr is None or addr[0] in (0, 127) or addr[0] >= 224:
            raise MalformedError("lease", 1, "not a host address")
        if f[4] == "inf":
            lt = INFINITE
        elif f[4].isdigit() and int(f[4]) < INFINITE:     # option 51 is 32 bits
            lt = int(f[4])
        else:
            raise MalformedError("lease", 4, "bad lease time")
        lease = cls(addr, server_id=parse_addr(f[3]), lease_time=lt, start=now,
                    mask=parse_addr(f[2]))
        if lt == INFINITE:
            return lease
        if f[5] != "-" and wall is not None:
            # An expiry further ahead than the lease time was never written by to_text().
            if not f[5].isdigit() or int(f[5]) - wall > lt:
                raise MalformedError("lease", 5, "bad expiry")
            lease.expiry_at = now + (int(f[5]) - wall) * 1000
        else:
            lease.expiry_at = None
        lease.t1_at = lease.t2_at = None
        return lease

    def __repr__(self):
        # Short: control.lease_dict() (dhcpctl state) shows the whole lease.
        return "<Lease %s mask %s server %s lease %s s>" % (
            addr_str(self.address), addr_str(self.mask), addr_str(self.server_id),
            "inf" if self.infinite else self.lease_time)

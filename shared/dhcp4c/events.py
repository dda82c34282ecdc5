"""Events the client hands to its caller (Client.next_event()): plain values.

Every event is an Event: `e.type` says which, and the fields it carries are
attributes by name (as with a class per type, reading a field the type does
not carry raises AttributeError):

    type            fields
    STATE_CHANGED   old, new, why       every transition; (old, new, why) is
                                        an edge of dhcp4c.states.transitions()
    LEASE_GRANTED   lease, left         Config(confirm=True) only: a server
                                        granted this lease; check it (ARP,
                                        policy), then Client.accept() or
                                        Client.decline()
    LEASE_ACQUIRED  lease, left         configure lease.address now
    LEASE_RENEWED   lease, left         same address and parameters, new times
    LEASE_CHANGED   lease, old, left    same address, other parameters (server,
                                        mask, routers, DNS, domain)
    LEASE_LOST      lease, why          unconfigure lease.address now
    ROUND_FAILED    why                 a round ended without a lease ("no
                                        offer", "no ACK"): udhcpc's leasefail;
                                        the client carries on by itself (an
                                        unanswered DHCPINFORM: it stops)
    NAK_RECEIVED    server_id, message, src
    OFFER_REJECTED  yiaddr, server_id, reason
    SERVER_INFO     server_id, src, options   the server we chose / that answered
    INFORM_ACKED    lease               parameters from an ACK to our DHCPINFORM
    ERROR           kind, reason        kind "send" (caller's send_failed) or
                                        "malformed" (with the decoder's reason)
    FALLBACK        -                   Config(fallback=N): no lease for N s;
                                        configure the fallback (static, IPv4LL).
                                        DISCOVER goes on: a LEASE_ACQUIRED (or
                                        _GRANTED) later replaces it
    V6ONLY          server_id, wait     Config(v6only=True): the network prefers
                                        IPv6-only (RFC 8925); no IPv4 is
                                        configured, DISCOVER again in `wait` s

    e = client.next_event()
    if e.type == events.LEASE_ACQUIRED: configure(e.lease)

`left` is the lease's time left in seconds when the event was made (None for
an infinite lease). Addresses are 4-byte bytes; states are dhcp4c.states ints.
"""
from dhcp4c import const

STATE_CHANGED = const(1)
LEASE_ACQUIRED = const(2)
LEASE_RENEWED = const(3)
LEASE_CHANGED = const(4)
LEASE_LOST = const(5)
NAK_RECEIVED = const(6)
OFFER_REJECTED = const(7)
SERVER_INFO = const(8)
INFORM_ACKED = const(9)
ERROR = const(10)
LEASE_GRANTED = const(11)
ROUND_FAILED = const(12)
V6ONLY = const(13)
FALLBACK = const(14)

NAMES = (None, "STATE_CHANGED", "LEASE_ACQUIRED", "LEASE_RENEWED", "LEASE_CHANGED",
         "LEASE_LOST", "NAK_RECEIVED", "OFFER_REJECTED", "SERVER_INFO", "INFORM_ACKED",
         "ERROR", "LEASE_GRANTED", "ROUND_FAILED", "V6ONLY", "FALLBACK")


class Event:
    """Event(type, field=value, ...): the fields of the table above, by name."""

    def __init__(self, type, **fields):
        self.type = type
        for name in fields:
            setattr(self, name, fields[name])

    def __repr__(self):
        fields = dict(self.__dict__)
        del fields["type"]
        return "<{} {}>".format(NAMES[self.type], fields)

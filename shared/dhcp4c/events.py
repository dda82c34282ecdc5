"""Events the client hands to its caller (Client.next_event()): plain values.

Every event is an Event; its `type` says which, and the fields follow it:

    type            fields
    STATE_CHANGED   old, new, why       every transition; (old, new, why) is
                                        an edge of dhcp4c.states.transitions()
    LEASE_ACQUIRED  lease, left         configure lease.address now
    LEASE_RENEWED   lease, left         same address and parameters, new times
    LEASE_CHANGED   lease, old, left    same address, other parameters (server,
                                        mask, routers, DNS, domain)
    LEASE_LOST      lease, why          unconfigure lease.address now
    NAK_RECEIVED    server_id, message, src
    OFFER_REJECTED  yiaddr, server_id, reason
    SERVER_INFO     server_id, src, options   the server we chose / that answered
    INFORM_ACKED    lease               parameters from an ACK to our DHCPINFORM
    ERROR           kind, reason        kind "send" (caller's send_failed) or
                                        "malformed" (with the decoder's reason)

    e = client.next_event()
    if e.type == events.LEASE_ACQUIRED: configure(e.lease)

`left` is the lease's time left in seconds when the event was made (None for
an infinite lease). Addresses are 4-byte bytes; states are dhcp4c.states ints.

One class and a table rather than a class per event: on MicroPython a class
with its __init__ keeps ~0.27 KB of a board's heap; net of the tables below,
the board firmware's import kept 1.3 KB less (64-bit unix port, loaded
from .mpy files), for no loss of behaviour.
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

# Field names by type (index 0 unused).
FIELDS = (None, ("old", "new", "why"), ("lease", "left"), ("lease", "left"),
          ("lease", "old", "left"), ("lease", "why"), ("server_id", "message", "src"),
          ("yiaddr", "server_id", "reason"), ("server_id", "src", "options"), ("lease",),
          ("kind", "reason"))
NAMES = (None, "STATE_CHANGED", "LEASE_ACQUIRED", "LEASE_RENEWED", "LEASE_CHANGED",
         "LEASE_LOST", "NAK_RECEIVED", "OFFER_REJECTED", "SERVER_INFO", "INFORM_ACKED", "ERROR")


class Event:
    """Event(type, a, b, c): the fields in FIELDS[type] order, as attributes
    (three at most; ones not given are None). Fixed arguments rather than
    *values: no tuple per event, and a third faster on MicroPython."""

    def __init__(self, type, a=None, b=None, c=None):
        self.type = type
        names = FIELDS[type]
        setattr(self, names[0], a)
        if len(names) > 1:
            setattr(self, names[1], b)
            if len(names) > 2:
                setattr(self, names[2], c)

    def __repr__(self):
        return "<{} {}>".format(NAMES[self.type], self.__dict__)

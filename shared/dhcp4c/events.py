"""Events the client hands to its caller (Client.next_event()): plain values.

    StateChanged(old, new, why)      every transition; (old, new, why) is an edge
                                     of dhcp4c.states.transitions()
    LeaseAcquired(lease, left)       configure lease.address now
    LeaseRenewed(lease, left)        same address and parameters, new times
    LeaseChanged(lease, old, left)   same address, other parameters (server,
                                     mask, routers, DNS, domain)
    LeaseLost(lease, why)            unconfigure lease.address now
    NakReceived(server_id, message, src)
    OfferRejected(yiaddr, server_id, reason)
    ServerInfo(server_id, src, options)   the server we chose / that answered
    InformAcked(lease)               parameters from an ACK to our DHCPINFORM
    Error(kind, reason)              kind "send" (caller's send_failed) or
                                     "malformed" (with the decoder's reason)

`left` is the lease's time left in seconds when the event was made (None for
an infinite lease). Addresses are 4-byte bytes; states are dhcp4c.states ints.
"""


class _Event:
    """One repr for all (debugging only): the class name and the fields. A
    method per class would cost each board ~0.6 KB of flash for nothing."""

    def __repr__(self):
        return "<{} {}>".format(type(self).__name__, self.__dict__)


class StateChanged(_Event):
    def __init__(self, old, new, why):
        self.old = old
        self.new = new
        self.why = why


class LeaseAcquired(_Event):
    def __init__(self, lease, left):
        self.lease = lease
        self.left = left


class LeaseRenewed(_Event):
    def __init__(self, lease, left):
        self.lease = lease
        self.left = left


class LeaseChanged(_Event):
    def __init__(self, lease, old, left):
        self.lease = lease
        self.old = old
        self.left = left


class LeaseLost(_Event):
    def __init__(self, lease, why):
        self.lease = lease
        self.why = why


class NakReceived(_Event):
    def __init__(self, server_id, message, src):
        self.server_id = server_id
        self.message = message
        self.src = src


class OfferRejected(_Event):
    def __init__(self, yiaddr, server_id, reason):
        self.yiaddr = yiaddr
        self.server_id = server_id
        self.reason = reason


class ServerInfo(_Event):
    def __init__(self, server_id, src, options):
        self.server_id = server_id
        self.src = src
        self.options = options


class InformAcked(_Event):
    def __init__(self, lease):
        self.lease = lease


class Error(_Event):
    def __init__(self, kind, reason):
        self.kind = kind
        self.reason = reason

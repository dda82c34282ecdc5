"""Events the client hands to its caller (Client.next_event()): plain values.

    StateChanged(old, new, why)      every transition; (old, new, why) is an edge
                                     of dhcp4c.states.TRANSITIONS
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
from dhcp4c.lease import addr_str
from dhcp4c.states import NAMES


class StateChanged:
    def __init__(self, old, new, why):
        self.old = old
        self.new = new
        self.why = why

    def __repr__(self):
        return "<StateChanged {} -> {} ({})>".format(NAMES[self.old], NAMES[self.new], self.why)


class LeaseAcquired:
    def __init__(self, lease, left):
        self.lease = lease
        self.left = left

    def __repr__(self):
        return "<LeaseAcquired {} left {}>".format(self.lease, self.left)


class LeaseRenewed:
    def __init__(self, lease, left):
        self.lease = lease
        self.left = left

    def __repr__(self):
        return "<LeaseRenewed {} left {}>".format(self.lease, self.left)


class LeaseChanged:
    def __init__(self, lease, old, left):
        self.lease = lease
        self.old = old
        self.left = left

    def __repr__(self):
        return "<LeaseChanged {} (was {}) left {}>".format(self.lease, self.old, self.left)


class LeaseLost:
    def __init__(self, lease, why):
        self.lease = lease
        self.why = why

    def __repr__(self):
        return "<LeaseLost {} ({})>".format(addr_str(self.lease.address), self.why)


class NakReceived:
    def __init__(self, server_id, message, src):
        self.server_id = server_id
        self.message = message
        self.src = src

    def __repr__(self):
        return "<NakReceived from {} ({}): {!r}>".format(
            addr_str(self.server_id), addr_str(self.src), self.message)


class OfferRejected:
    def __init__(self, yiaddr, server_id, reason):
        self.yiaddr = yiaddr
        self.server_id = server_id
        self.reason = reason

    def __repr__(self):
        return "<OfferRejected {} from {}: {}>".format(
            addr_str(self.yiaddr), addr_str(self.server_id), self.reason)


class ServerInfo:
    def __init__(self, server_id, src, options):
        self.server_id = server_id
        self.src = src
        self.options = options

    def __repr__(self):
        return "<ServerInfo {} from {} options {}>".format(
            addr_str(self.server_id), addr_str(self.src), sorted(self.options))


class InformAcked:
    def __init__(self, lease):
        self.lease = lease

    def __repr__(self):
        return "<InformAcked {}>".format(self.lease)


class Error:
    def __init__(self, kind, reason):
        self.kind = kind
        self.reason = reason

    def __repr__(self):
        return "<Error {}: {}>".format(self.kind, self.reason)

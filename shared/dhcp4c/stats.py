"""Counters: plain ints in preallocated lists, so counting never allocates.

    stats.sent[msg_type]        messages sent, by DHCP message type (1..8)
    stats.received[msg_type]    replies decoded, by type (1..18), before filtering
    stats.drops[DROP_*]         replies dropped, by reason (DROP_NAMES)
    stats.state_ms[state]       ms spent in each state (up to the last transition)
    retransmissions, renew_ok, renew_fail, rebind_ok, rebind_fail, naks,
    declines, leases, send_failed, events_dropped, options_dropped

as_dict() gives the whole set with names (allocates; for the control channel).
"""
from dhcp4c import const

DROP_MALFORMED = const(0)
DROP_NOT_REPLY = const(1)
DROP_XID = const(2)
DROP_CHADDR = const(3)
DROP_UNEXPECTED = const(4)      # type not expected in this state, or nothing pending
DROP_NO_SERVER_ID = const(5)
DROP_SERVER_MISMATCH = const(6)
DROP_ADDR_MISMATCH = const(7)   # ACK's yiaddr is not the address we asked for
DROP_ZERO = const(8)            # yiaddr 0.0.0.0 or in 0/8
DROP_NETWORK = const(9)         # the subnet's network address
DROP_BROADCAST = const(10)      # the subnet's broadcast ("end") address
DROP_MULTICAST = const(11)
DROP_LOOPBACK = const(12)
DROP_CLASS_E = const(13)
DROP_ALL_ONES = const(14)       # 255.255.255.255
DROP_DECLINED = const(15)       # the address we just declined
DROP_BAD_SERVER_ID = const(16)  # option 54 not a usable unicast address
N_DROPS = const(17)

DROP_NAMES = ("malformed", "not a reply", "xid", "chaddr", "unexpected", "no server id",
              "server mismatch", "address mismatch", "zero address", "network address",
              "broadcast address", "multicast address", "loopback address",
              "class E address", "limited broadcast", "declined address",
              "bad server id")

_COUNTERS = ("retransmissions", "renew_ok", "renew_fail", "rebind_ok", "rebind_fail",
             "naks", "declines", "leases", "send_failed", "events_dropped", "options_dropped")


def _named(names, counts):
    """{name: count} of the counts that are not 0 (one loop for the four
    tables: each comprehension would be a function of its own on a board)."""
    d = {}
    for i in range(len(counts)):
        if counts[i]:
            d[names[i]] = counts[i]
    return d


class Stats:
    def __init__(self, n_states):
        self.sent = [0] * 9
        self.received = [0] * 19
        self.drops = [0] * N_DROPS
        self.state_ms = [0] * n_states
        self.retransmissions = 0
        self.renew_ok = 0
        self.renew_fail = 0
        self.rebind_ok = 0
        self.rebind_fail = 0
        self.naks = 0
        self.declines = 0
        self.leases = 0
        self.send_failed = 0
        self.events_dropped = 0
        self.options_dropped = 0    # malformed options left out of an ACK's lease

    def as_dict(self):
        from dhcp4c.constants import MSG_NAMES
        from dhcp4c.states import NAMES
        d = {}
        for n in _COUNTERS:
            d[n] = getattr(self, n)
        d["sent"] = _named(MSG_NAMES, self.sent)
        d["received"] = _named(MSG_NAMES, self.received)
        d["drops"] = _named(DROP_NAMES, self.drops)
        d["state_ms"] = _named(NAMES, self.state_ms)
        return d

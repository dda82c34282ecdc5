"""The client's states and every transition between them, as data.

Theory of operation
-------------------
The client (dhcp4c.client.Client) is the RFC 2131 figure 5 state machine.
It moves only along the edges of the table below (transitions()); Client._set_state()
refuses anything else, so this table *is* the behaviour, and
dhcp4c.diagram.to_dot() draws it (docs/state-machine.md is generated from it).

    state         RFC 2131 fig. 5   seed diagram          what the client does there
    STOPPED       (not in fig. 5)   Off                   nothing; initial state, after
                                                          release, after an INFORM
    INIT          INIT              SEND_DISCOVER         waits (pause between rounds,
                                                          10 s after a DECLINE, back-off
                                                          after repeated NAKs), then
                                                          broadcasts DHCPDISCOVER
    SELECTING     SELECTING         WaitOffer,            retransmits DISCOVER (§4.1);
                                    EvaluateOffer         evaluates each OFFER (rejects
                                                          unusable addresses: the seed's
                                                          "Unacceptable" and "do not
                                                          assign end address")
    REQUESTING    REQUESTING        WaitAck               broadcasts DHCPREQUEST naming
                                                          the chosen server; ACK/NAK only
                                                          from that server
    GRANTED       (§4.4.1 check     -                     with Config(confirm=True) only:
                  before BOUND)                           a new lease waits for the
                                                          caller's check (ARP, policy):
                                                          accept -> BOUND, decline ->
                                                          DHCPDECLINE and INIT (fig. 5's
                                                          "DHCPACK (not accept)")
    BOUND         BOUND             AddrAcq               holds the lease; waits for T1
    RENEWING      RENEWING          Renew                 unicasts REQUEST to the lease's
                                                          server (ciaddr set), §4.4.5
    REBINDING     REBINDING         Renew                 broadcasts REQUEST to any server
    INIT_REBOOT   INIT-REBOOT       -                     (transient) starts from a stored
                                                          lease
    REBOOTING     REBOOTING         -                     broadcasts REQUEST for the stored
                                                          address (option 50, no server id)
    LINK_DOWN     (not in fig. 5)   -                     carrier lost with a lease in use
                                                          or granted: nothing is sent; the
                                                          lease is kept until it expires;
                                                          link up -> INIT-REBOOT. Without
                                                          one, the exchange goes on instead
    INFORMING     (§3.4, no state)  -                     DHCPINFORM for an address
                                                          configured by other means
    release (the seed's SendRelease) is the edge to STOPPED labelled "release":
    a DHCPRELEASE is unicast to the server when a lease is held.

Each edge carries a reason ("why"); a state-change event reports exactly that
(from, to, why) triple, so the events can be checked against this table.
"""
from dhcp4c import const

STOPPED = const(0)
INIT = const(1)
SELECTING = const(2)
REQUESTING = const(3)
BOUND = const(4)
RENEWING = const(5)
REBINDING = const(6)
INIT_REBOOT = const(7)
REBOOTING = const(8)
LINK_DOWN = const(9)
INFORMING = const(10)
GRANTED = const(11)
N_STATES = const(12)

NAMES = ("STOPPED", "INIT", "SELECTING", "REQUESTING", "BOUND", "RENEWING",
         "REBINDING", "INIT_REBOOT", "REBOOTING", "LINK_DOWN", "INFORMING", "GRANTED")

# Reasons (the labels on the edges).
START = "start"
RESTART = "restart"
RELEASE = "release"
DOWN = "link down"
UP = "link up"
DISCOVER = "send DISCOVER"
OFFER = "offer accepted"
NO_OFFER = "no offer"
ACK = "ACK"
NAK = "NAK"
NO_ACK = "no ACK"
T1 = "T1"
T2 = "T2"
RENEW = "renew"
REBIND = "rebind"
EXPIRED = "lease expired"
DECLINE = "decline"
REBOOT = "send REQUEST"
INFORM = "inform"
ACCEPT = "accept"
RAPID = "rapid commit ACK"      # RFC 4039: the ACK answers the DISCOVER
V6ONLY = "IPv6-only preferred"  # RFC 8925: option 108, no IPv4 for a while

# Every reason once; an edge stores its reason's index here.
WHYS = (START, RESTART, RELEASE, DOWN, UP, DISCOVER, OFFER, NO_OFFER, ACK, NAK, NO_ACK,
        T1, T2, RENEW, REBIND, EXPIRED, DECLINE, REBOOT, INFORM, ACCEPT, RAPID, V6ONLY)

# The only transitions there are: (from, to, why). Packed at import into
# _EDGES, three bytes an edge: the tuples below are built once and dropped
# (a board loading .mpy files would otherwise keep them all on its heap;
# transitions() gives them back to host tools).
_EDGES = bytearray()
for _t in (
    (STOPPED, INIT, START),
    (STOPPED, INIT, RESTART),
    (STOPPED, INIT_REBOOT, START),
    (STOPPED, INFORMING, INFORM),

    (INIT, SELECTING, DISCOVER),
    (INIT, STOPPED, RELEASE),

    (SELECTING, REQUESTING, OFFER),
    (SELECTING, BOUND, RAPID),       # Config(rapid_commit=True) only
    (SELECTING, GRANTED, RAPID),
    (SELECTING, INIT, V6ONLY),       # Config(v6only=True) only
    (SELECTING, INIT, NO_OFFER),
    (SELECTING, INIT, RESTART),
    (SELECTING, STOPPED, RELEASE),

    (REQUESTING, BOUND, ACK),
    (REQUESTING, GRANTED, ACK),      # Config(confirm=True): the caller checks first
    (REQUESTING, INIT, NAK),
    (REQUESTING, INIT, NO_ACK),
    (REQUESTING, INIT, V6ONLY),
    (REQUESTING, INIT, RESTART),
    (REQUESTING, STOPPED, RELEASE),

    (GRANTED, BOUND, ACCEPT),
    (GRANTED, INIT, DECLINE),
    (GRANTED, INIT, EXPIRED),
    (GRANTED, INIT, RESTART),
    (GRANTED, STOPPED, RELEASE),
    (GRANTED, LINK_DOWN, DOWN),

    (BOUND, RENEWING, T1),
    (BOUND, RENEWING, RENEW),
    (BOUND, REBINDING, T2),
    (BOUND, REBINDING, REBIND),
    (BOUND, INIT, EXPIRED),
    (BOUND, INIT, DECLINE),
    (BOUND, INIT, RESTART),
    (BOUND, STOPPED, RELEASE),
    (BOUND, LINK_DOWN, DOWN),

    (RENEWING, BOUND, ACK),
    (RENEWING, BOUND, NO_ACK),       # infinite lease: give up renewing, keep it
    (RENEWING, REBINDING, T2),
    (RENEWING, REBINDING, REBIND),
    (RENEWING, INIT, NAK),
    (RENEWING, INIT, EXPIRED),
    (RENEWING, INIT, RESTART),
    (RENEWING, STOPPED, RELEASE),
    (RENEWING, LINK_DOWN, DOWN),

    (REBINDING, BOUND, ACK),
    (REBINDING, BOUND, NO_ACK),      # infinite lease: give up rebinding, keep it
    (REBINDING, INIT, NAK),
    (REBINDING, INIT, EXPIRED),
    (REBINDING, INIT, RESTART),
    (REBINDING, STOPPED, RELEASE),
    (REBINDING, LINK_DOWN, DOWN),

    (INIT_REBOOT, REBOOTING, REBOOT),

    (REBOOTING, BOUND, ACK),
    (REBOOTING, GRANTED, ACK),
    (REBOOTING, BOUND, NO_ACK),      # after link up, lease still valid (§3.2 step 4)
    (REBOOTING, INIT, NAK),
    (REBOOTING, INIT, NO_ACK),
    (REBOOTING, INIT, V6ONLY),
    (REBOOTING, INIT, EXPIRED),
    (REBOOTING, INIT, RESTART),
    (REBOOTING, STOPPED, RELEASE),
    (REBOOTING, LINK_DOWN, DOWN),    # a held lease's, after a flap; a stored one goes on

    (LINK_DOWN, INIT, UP),
    (LINK_DOWN, INIT_REBOOT, UP),
    (LINK_DOWN, STOPPED, RELEASE),

    (INFORMING, STOPPED, ACK),
    (INFORMING, STOPPED, NO_ACK),
    (INFORMING, STOPPED, RELEASE),
    (INFORMING, STOPPED, DOWN),
    (INFORMING, INIT, RESTART),
):
    _EDGES.append(_t[0])
    _EDGES.append(_t[1])
    _EDGES.append(WHYS.index(_t[2]))
_EDGES = bytes(_EDGES)
del _t

# The states in which each command may be given; anywhere else it raises
# UsageError. (release, link_down and link_up are accepted everywhere and
# do nothing where there is nothing to do.)
ALL = (STOPPED, INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING,
       INIT_REBOOT, REBOOTING, LINK_DOWN, INFORMING, GRANTED)
CMD_START = (STOPPED,)
CMD_INFORM = (STOPPED,)
CMD_RENEW = (BOUND, RENEWING, REBINDING)    # past T2: retransmit the REBINDING request
CMD_REBIND = (BOUND, RENEWING, REBINDING)
CMD_ACCEPT = (GRANTED,)
CMD_DECLINE = (GRANTED, BOUND)
CMD_RESTART = (STOPPED, INIT, SELECTING, REQUESTING, BOUND, RENEWING, REBINDING,
               REBOOTING, INFORMING, GRANTED)
CMD_RELEASE = ALL
CMD_LINK = ALL

# States that hold a lease (an address the caller has configured).
HAVE_LEASE = (BOUND, RENEWING, REBINDING)


def transitions():
    """The edges as (from, to, why) tuples, in table order."""
    e = _EDGES
    out = []
    for i in range(0, len(e), 3):
        out.append((e[i], e[i + 1], WHYS[e[i + 2]]))
    return out


def allowed(old, new, why):
    """True when (old, new, why) is an edge of the table (allocates nothing)."""
    if why not in WHYS:
        return False
    w = WHYS.index(why)
    e = _EDGES
    for i in range(0, len(e), 3):
        if e[i] == old and e[i + 1] == new and e[i + 2] == w:
            return True
    return False


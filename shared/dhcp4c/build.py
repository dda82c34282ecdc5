"""Constructors for every message a client sends (RFC 2131 §4.4, table 5).

`opts` is the client's configured options as (code, bytes) pairs: client id
(61), hostname (12), FQDN (81), vendor class (60), parameter request list
(55), maximum message size (57) and extras (udhcpc -x). Each constructor
keeps only what table 5 allows in that message; the fields and options the
protocol itself needs (50, 54, 53, ciaddr, flags) come from the arguments.
"""
from dhcp4c.message import Message

# RFC 2131 table 5: options set by the constructors themselves, never by opts.
_MANAGED = (50, 52, 53, 54)


def _base(msg_type, xid, mac, secs=0, broadcast=False):
    m = Message(1)
    m.xid = bytes(xid)
    m.hlen = len(mac)
    m.chaddr = bytes(mac) + bytes(16 - len(mac))
    m.secs = secs
    m.flags = 0x8000 if broadcast else 0
    m.set(53, bytes((msg_type,)))
    return m


def _add(m, opts, keep=None, drop=_MANAGED):
    for code, raw in opts:
        if (keep is None and code not in drop) or (keep is not None and code in keep):
            m.set(code, raw)
    return m


def discover(xid, mac, opts, requested=None, broadcast=False, secs=0):
    """DHCPDISCOVER (§4.4.1), asking for `requested` with option 50 if given."""
    m = _base(1, xid, mac, secs, broadcast)
    if requested:
        m.set(50, requested)
    return _add(m, opts)


def request_selecting(xid, mac, opts, requested, server_id, broadcast=False, secs=0):
    """DHCPREQUEST in SELECTING: 50 and 54 MUST, ciaddr zero (table 5)."""
    m = _base(3, xid, mac, secs, broadcast)
    m.set(50, requested)
    m.set(54, server_id)
    return _add(m, opts)


def request_init_reboot(xid, mac, opts, requested, broadcast=False, secs=0):
    """DHCPREQUEST in INIT-REBOOT: 50 MUST, 54 MUST NOT, ciaddr zero (§4.3.2)."""
    m = _base(3, xid, mac, secs, broadcast)
    m.set(50, requested)
    return _add(m, opts)


def request_renewing(xid, mac, opts, ciaddr, secs=0):
    """DHCPREQUEST in RENEWING: unicast, ciaddr set, no 50/54 (§4.3.2)."""
    m = _base(3, xid, mac, secs)
    m.ciaddr = bytes(ciaddr)
    return _add(m, opts)


def request_rebinding(xid, mac, opts, ciaddr, secs=0):
    """DHCPREQUEST in REBINDING: like RENEWING but broadcast (§4.3.2)."""
    return request_renewing(xid, mac, opts, ciaddr, secs)


def decline(xid, mac, opts, addr, server_id, message=None):
    """DHCPDECLINE (§4.4.1): 50 and 54 MUST; only 61 and 56 besides."""
    m = _base(4, xid, mac)
    m.set(50, addr)
    m.set(54, server_id)
    if message:
        m.set(56, message.encode() if isinstance(message, str) else message)
    return _add(m, opts, keep=(61,))


def release(xid, mac, opts, ciaddr, server_id, message=None):
    """DHCPRELEASE (§4.4.6): ciaddr set, 54 MUST; only 61 and 56 besides."""
    m = _base(7, xid, mac)
    m.ciaddr = bytes(ciaddr)
    m.set(54, server_id)
    if message:
        m.set(56, message.encode() if isinstance(message, str) else message)
    return _add(m, opts, keep=(61,))


def inform(xid, mac, opts, ciaddr, secs=0):
    """DHCPINFORM (§4.4.3): ciaddr set; 50, 51 and 54 MUST NOT."""
    m = _base(8, xid, mac, secs)
    m.ciaddr = bytes(ciaddr)
    return _add(m, opts, drop=_MANAGED + (51,))

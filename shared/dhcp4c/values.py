"""Typed option values: the shape of each option; readers and writers of the structured ones.

Options are stored raw ({code: bytes}, see message.py) and turned into Python
values only when asked for, through the KINDS table below (after n-dhcp4),
with the readers and writers of the structured options: RFC 3442 classless
routes (121, 249), RFC 3397 domain search (119, with DNS name compression),
RFC 4702 FQDN (81) and RFC 4361 client ids (61). Every reader checks lengths
itself and raises MalformedError on a bad shape.

The client on a board never needs these (it reads addresses, integers and
text through dhcp4c.options), so boards go without this module; host tools,
tests, and option()/routes()/search() below for a decoded Message, use it.
"""
from dhcp4c import const
from dhcp4c.errors import MalformedError
from dhcp4c.options import check_len, encode_name, split4, text, uint

# Value shapes.
ADDR = const(1)       # one IPv4 address (4 bytes)
ADDRS = const(2)      # one or more IPv4 addresses
U8 = const(3)
U16 = const(4)
U32 = const(5)
S32 = const(6)        # signed seconds (option 2)
TEXT = const(7)       # NVT ASCII / UTF-8 string
PAIRS = const(8)      # address pairs (21 policy filter, 33 static routes)
U16S = const(9)       # list of 16-bit values (25)
FLAG = const(10)      # one byte, 0 or 1
ROUTES = const(11)    # RFC 3442 classless routes (121, 249)
DOMAINS = const(12)   # RFC 1035 names with compression (119)
CODES = const(13)     # list of option codes (55)
EMPTY = const(14)     # no value (80 rapid commit)
FQDN = const(15)      # RFC 4702 (81)
OPAQUE = const(16)    # bytes kept as they are (43, 61, 82, unknown)

# RFC 2132 options and the later ones named in RFC 2131's successors.
KINDS = {
    1: ADDR, 2: S32, 3: ADDRS, 4: ADDRS, 5: ADDRS, 6: ADDRS, 7: ADDRS, 8: ADDRS,
    9: ADDRS, 10: ADDRS, 11: ADDRS, 12: TEXT, 13: U16, 14: TEXT, 15: TEXT, 16: ADDR,
    17: TEXT, 18: TEXT, 19: FLAG, 20: FLAG, 21: PAIRS, 22: U16, 23: U8, 24: U32,
    25: U16S, 26: U16, 27: FLAG, 28: ADDR, 29: FLAG, 30: FLAG, 31: FLAG, 32: ADDR,
    33: PAIRS, 34: FLAG, 35: U32, 36: FLAG, 37: U8, 38: U32, 39: FLAG, 40: TEXT,
    41: ADDRS, 42: ADDRS, 43: OPAQUE, 44: ADDRS, 45: ADDRS, 46: U8, 47: TEXT, 48: ADDRS,
    49: ADDRS, 50: ADDR, 51: U32, 52: U8, 53: U8, 54: ADDR, 55: CODES, 56: TEXT,
    57: U16, 58: U32, 59: U32, 60: TEXT, 61: OPAQUE, 62: TEXT, 64: TEXT, 65: ADDRS,
    66: TEXT, 67: TEXT, 68: ADDRS, 69: ADDRS, 70: ADDRS, 71: ADDRS, 72: ADDRS,
    73: ADDRS, 74: ADDRS, 75: ADDRS, 76: ADDRS, 80: EMPTY, 81: FQDN, 82: OPAQUE,
    108: U32, 119: DOMAINS, 121: ROUTES, 249: ROUTES,
}


def decode_routes(value):
    """RFC 3442 §3: [(dest4, prefixlen, router4)]; the destination is zero-filled."""
    out = []
    i = 0
    n = len(value)
    while i < n:
        width = value[i]
        if width > 32:
            raise MalformedError("option 121", i, "prefix length {} > 32".format(width))
        sig = (width + 7) >> 3
        if i + 1 + sig + 4 > n:
            raise MalformedError("option 121", i, "route runs past the end")
        dest = bytes(value[i + 1:i + 1 + sig]) + b"\x00" * (4 - sig)
        out.append((dest, width, bytes(value[i + 1 + sig:i + 5 + sig])))
        i += 5 + sig
    return out


def encode_routes(routes):
    """The inverse of decode_routes (for servers in tests and for -x)."""
    out = bytearray()
    for dest, width, router in routes:
        out.append(width & 0xFF)
        out += dest[:(width + 7) >> 3]
        out += router
    return bytes(out)


# RFC 1035 §3.1 / §4.1.4: a name is at most 255 octets, a label at most 63.
_MAX_NAME = const(255)


def _read_name(value, i, field):
    """One possibly compressed name starting at i: (name, offset after it).

    Every pointer must point strictly before the label it replaces, so each
    jump goes backwards and the walk ends; the length cap bounds it too.
    """
    labels = []
    size = 0
    end = -1
    start = i
    n = len(value)
    while True:
        if i >= n:
            raise MalformedError(field, i, "name runs past the end")
        b = value[i]
        if b == 0:
            if end < 0:
                end = i + 1
            return ".".join(labels), end
        if b & 0xC0 == 0xC0:
            if i + 1 >= n:
                raise MalformedError(field, i, "truncated compression pointer")
            target = ((b & 0x3F) << 8) | value[i + 1]
            if target >= start:
                raise MalformedError(field, i, "compression pointer does not point backwards")
            if end < 0:
                end = i + 2
            i = start = target
            continue
        if b & 0xC0:
            raise MalformedError(field, i, "reserved label type")
        size += b + 1
        if size >= _MAX_NAME:  # the root label (0) makes one more
            raise MalformedError(field, i, "name longer than 255 octets")
        if i + 1 + b > n:
            raise MalformedError(field, i, "label runs past the end")
        labels.append(text(value[i + 1:i + 1 + b]))
        i += 1 + b


def decode_domains(value, field="option 119"):
    """RFC 3397: the domain search list, compression pointers resolved."""
    out = []
    i = 0
    while i < len(value):
        name, i = _read_name(value, i, field)
        out.append(name)
    return out


def encode_domains(names):
    return b"".join([encode_name(n) for n in names])


def decode_fqdn(value):
    """RFC 4702 §2: (flags, rcode1, rcode2, name); E flag (0x04) = wire format."""
    if len(value) < 3:
        raise MalformedError("option 81", 0, "shorter than 3 bytes")
    flags = value[0]
    if flags & 0x04:
        names = decode_domains(value[3:], "option 81") if len(value) > 3 else []
        name = names[0] if names else ""
    else:
        name = text(value[3:])
    return flags, value[1], value[2], name


def client_id_rfc4361(iaid, duid):
    """Option 61 in its RFC 4361 §6.1 form: 255, 4-byte IAID, DUID."""
    if len(iaid) != 4:
        raise ValueError("IAID must be 4 bytes")
    return b"\xff" + bytes(iaid) + bytes(duid)


def value(code, raw):
    """The typed value of one option, by its kind in KINDS (unknown: the bytes)."""
    kind = KINDS.get(code, OPAQUE)
    n = len(raw)
    if kind == ADDR:
        check_len(code, raw, n == 4)
        return bytes(raw)
    if kind == ADDRS:
        return split4(code, raw)
    if kind == PAIRS:
        return split4(code, raw, 2)
    if kind in (U8, FLAG):
        check_len(code, raw, n == 1)
        return raw[0]
    if kind == U16:
        check_len(code, raw, n == 2)
        return uint(raw)
    if kind == U32:
        check_len(code, raw, n == 4)
        return uint(raw)
    if kind == S32:
        check_len(code, raw, n == 4)
        v = uint(raw)
        return v - 0x100000000 if v & 0x80000000 else v
    if kind == U16S:
        check_len(code, raw, n and not n & 1)
        return [uint(raw[i:i + 2]) for i in range(0, n, 2)]
    if kind == TEXT:
        return text(raw)
    if kind == CODES:
        return list(raw)
    if kind == ROUTES:
        return decode_routes(raw)
    if kind == DOMAINS:
        return decode_domains(raw)
    if kind == FQDN:
        return decode_fqdn(raw)
    if kind == EMPTY:
        return True
    return bytes(raw)


# -- a decoded Message's options, typed: None when absent ----------------------
# (functions here rather than Message methods: a board keeps every method of
# Message on its heap, and never asks for these)
def option(msg, code):
    """Option `code` of `msg` as value() types it."""
    raw = msg.options.get(code)
    return None if raw is None else value(code, raw)


def routes(msg):
    """RFC 3442 routes from 121, else Microsoft's 249 (same format)."""
    raw = msg.options.get(121)
    if raw is None:
        raw = msg.options.get(249)
    return None if raw is None else decode_routes(raw)


def search(msg):
    """RFC 3397 domain search list (119)."""
    raw = msg.options.get(119)
    return None if raw is None else decode_domains(raw)

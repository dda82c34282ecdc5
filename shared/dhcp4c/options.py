"""Option values the client itself reads and builds.

Options are stored raw ({code: bytes}, see message.py). This module holds the
length checks, the readers the client and a board application use
(addresses, integers, text, RFC 3442 routes, RFC 3397 search lists) and the
options it sends (61, 55, 57, 81). The typed reading of every other option
(KINDS, RFC 4702 FQDN, RFC 3361 SIP) is in dhcp4c.values, which a board does
not need. Every reader checks lengths itself and raises MalformedError on a
bad shape.
"""
from dhcp4c import const
from dhcp4c.errors import MalformedError

# RFC 2132 sizes that decode() enforces (code -> exact length; 0 means "a
# non-zero multiple of 4"): the options the client acts on, and those with a
# fixed shape that a script or a board application reads, so that a bad one is
# left out and counted once, where the message is read (docs/codec.md).
FIXED = {1: 4, 2: 4, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 13: 2, 16: 4, 23: 1,
         26: 2, 28: 4, 41: 0, 42: 0, 44: 0, 50: 4, 51: 4, 52: 1, 53: 1, 54: 4, 57: 2,
         58: 4, 59: 4, 132: 2, 133: 1, 150: 0, 211: 4}
ROUTES = (121, 249)     # RFC 3442 classless routes; 249 is Microsoft's copy


def check_len(code, value, ok, offset=0):
    """Raise MalformedError naming the option unless ok (its length fits)."""
    if not ok:
        raise MalformedError("option {}".format(code), offset,
                             "length {} is wrong for this option".format(len(value)))


def check_fixed(code, value, offset):
    """Raise MalformedError if an option of FIXED or ROUTES has the wrong shape."""
    want = FIXED.get(code)
    if want is not None:
        n = len(value)
        check_len(code, value, n == want if want else n and not n & 3, offset)
        if code == 1 and not is_mask(value):
            raise MalformedError("option 1", offset, "{} is not a subnet mask".format(
                ".".join(str(b) for b in value)))
    elif code in ROUTES:
        routes(value, code)


def is_mask(value):
    """A subnet mask (RFC 950): 4 bytes, ones then zeros, not all zeros."""
    if len(value) != 4:
        return False
    inv = ~uint(value) & 0xFFFFFFFF
    return inv != 0xFFFFFFFF and not inv & (inv + 1)


def routes(value, code=121):
    """RFC 3442 §3: [(dest4, prefix length, router4)], the destination
    zero-filled to 4 bytes. A prefix over 32 or a route cut short is
    malformed."""
    out = []
    i = 0
    n = len(value)
    while i < n:
        width = value[i]
        if width > 32:
            raise MalformedError("option {}".format(code), i,
                                 "prefix length {} > 32".format(width))
        sig = (width + 7) >> 3
        if i + 5 + sig > n:
            raise MalformedError("option {}".format(code), i, "route runs past the end")
        dest = bytes(value[i + 1:i + 1 + sig]) + b"\x00" * (4 - sig)
        out.append((dest, width, bytes(value[i + 1 + sig:i + 5 + sig])))
        i += 5 + sig
    return out


def uint(value):
    """Big-endian unsigned integer of any width."""
    n = 0
    for b in value:
        n = (n << 8) | b
    return n


def split4(code, value, pair=1):
    """A list of 4-byte addresses (pair=2: a list of (a, b) address pairs)."""
    step = 4 * pair
    check_len(code, value, len(value) and len(value) % step == 0)
    out = []
    for i in range(0, len(value), step):
        if pair == 1:
            out.append(bytes(value[i:i + 4]))
        else:
            out.append((bytes(value[i:i + 4]), bytes(value[i + 4:i + 8])))
    return out


def text(value):
    """A string from an option value: trailing NULs cut, bad UTF-8 kept as Latin-1."""
    end = len(value)
    while end and value[end - 1] == 0:
        end -= 1
    raw = bytes(value[:end])
    try:
        return raw.decode("utf-8")
    except UnicodeError:
        out = []
        for b in raw:       # a loop, not a comprehension: no function object on a board
            out.append(chr(b))
        return "".join(out)


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


def domains(value, field="option 119"):
    """RFC 3397: the domain search list, compression pointers resolved."""
    out = []
    i = 0
    while i < len(value):
        name, i = _read_name(value, i, field)
        out.append(name)
    return out


def encode_name(name):
    """A domain name in RFC 1035 wire form, uncompressed."""
    out = bytearray()
    for label in name.strip(".").split("."):
        if label:
            raw = label.encode()
            if len(raw) > 63:
                raise ValueError("label longer than 63 octets: " + label)
            out.append(len(raw))
            out += raw
    out.append(0)
    return bytes(out)


def fqdn_value(name, flags=0x01):
    """Option 81: by default S=1 (server updates the A record), E=1 (wire format)."""
    return bytes((flags | 0x04, 0, 0)) + encode_name(name)


def client_id_hw(mac, htype=1):
    """Option 61 in its RFC 2132 form: hardware type + hardware address."""
    return bytes((htype,)) + bytes(mac)


def client_id_duid(mac):
    """Option 61 in its RFC 4361 §6.1 form: 255, IAID, DUID. The IAID is the
    MAC's last four bytes and the DUID is DUID-LL (RFC 8415 §11.4: type 3,
    hardware type 1, the MAC), as dhcpcd makes them by default: stable for
    the interface, and the same DUID a DHCPv6 client on it would use."""
    mac = bytes(mac)
    return b"\xff" + mac[2:6] + b"\x00\x03\x00\x01" + mac


def prl(codes):
    """Option 55 from a list of option codes."""
    out = bytearray(len(codes))
    for i in range(len(out)):
        out[i] = codes[i] & 0xFF
    return bytes(out)


def u32(n):
    return bytes(((n >> 24) & 0xFF, (n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF))


def u16(n):
    return bytes(((n >> 8) & 0xFF, n & 0xFF))

"""The DHCP message: RFC 2131 §2 fixed header + RFC 2132 options.

    decode(data) -> Message      raises only MalformedError, for any input
    encode(msg) -> bytes         RFC 3396 splitting, END, padded to 300 bytes
    encode_into(msg, buf) -> n   the same into the caller's bytearray

Wire layout (RFC 2131 figure 1), offsets in bytes:

    0 op  1 htype  2 hlen  3 hops  4 xid  8 secs  10 flags  12 ciaddr
    16 yiaddr  20 siaddr  24 giaddr  28 chaddr(16)  44 sname(64)
    108 file(128)  236 magic cookie  240 options

Every length is checked here before it is used (MicroPython's struct is lax
about short and long buffers), so no struct at all.
"""
from dhcp4c.errors import MalformedError, UsageError
from dhcp4c.options import check_fixed, split4, text, uint, value, decode_domains, \
    decode_routes

COOKIE = b"\x63\x82\x53\x63"   # RFC 2131 §3
OPTIONS_AT = 240
MIN_SIZE = 300                 # RFC 1542 §2.1: BOOTP relays may drop shorter ones
ZERO4 = b"\x00\x00\x00\x00"
_OVERLOAD_FILE = 1
_OVERLOAD_SNAME = 2


class Message:
    """One DHCP message. Addresses and xid are 4-byte bytes; options raw.

    `options` maps code -> bytes (RFC 3396 pieces already joined); `order`
    lists the codes in wire order so that encode() re-creates them as they
    came. Use set()/remove() to keep both in step.
    """

    def __init__(self, op=1):
        self.op = op
        self.htype = 1
        self.hlen = 6
        self.hops = 0
        self.xid = ZERO4
        self.secs = 0
        self.flags = 0
        self.ciaddr = ZERO4
        self.yiaddr = ZERO4
        self.siaddr = ZERO4
        self.giaddr = ZERO4
        self.chaddr = bytes(16)
        self.sname = b""
        self.file = b""
        self.options = {}
        self.order = []

    def __eq__(self, other):
        return (isinstance(other, Message) and self.op == other.op
                and self.htype == other.htype and self.hlen == other.hlen
                and self.hops == other.hops and self.xid == other.xid
                and self.secs == other.secs and self.flags == other.flags
                and self.ciaddr == other.ciaddr and self.yiaddr == other.yiaddr
                and self.siaddr == other.siaddr and self.giaddr == other.giaddr
                and self.chaddr == other.chaddr and self.sname == other.sname
                and self.file == other.file and self.options == other.options
                and self.order == other.order)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        from dhcp4c.constants import MSG_NAMES
        t = self.msg_type
        return "<Message {} xid={} yiaddr={} options={}>".format(
            MSG_NAMES[t] if t < len(MSG_NAMES) else t, self.xid.hex(),
            ".".join([str(b) for b in self.yiaddr]), self.order)

    # -- raw options -------------------------------------------------------
    @property
    def msg_type(self):
        v = self.options.get(53)
        return v[0] if v else 0

    def get(self, code, default=None):
        return self.options.get(code, default)

    def set(self, code, raw):
        if code not in self.options:
            self.order.append(code)
        self.options[code] = bytes(raw)

    def remove(self, code):
        if code in self.options:
            del self.options[code]
            self.order.remove(code)

    # -- typed access: None when absent, MalformedError when misshapen ------
    def value(self, code):
        raw = self.options.get(code)
        return None if raw is None else value(code, raw)

    def addr(self, code):
        raw = self.options.get(code)
        if raw is None:
            return None
        if len(raw) != 4:
            raise MalformedError("option {}".format(code), 0, "not one address")
        return raw

    def addrs(self, code):
        raw = self.options.get(code)
        return None if raw is None else split4(code, raw)

    def _uint(self, code, size):
        raw = self.options.get(code)
        if raw is None:
            return None
        if len(raw) != size:
            raise MalformedError("option {}".format(code), 0,
                                 "length {} is not {}".format(len(raw), size))
        return uint(raw)

    def u8(self, code):
        return self._uint(code, 1)

    def u16(self, code):
        return self._uint(code, 2)

    def u32(self, code):
        return self._uint(code, 4)

    def text(self, code):
        raw = self.options.get(code)
        return None if raw is None else text(raw)

    def routes(self):
        """RFC 3442 routes from 121, else Microsoft's 249; None if neither."""
        raw = self.options.get(121)
        if raw is None:
            raw = self.options.get(249)
        return None if raw is None else decode_routes(raw)

    def search(self):
        raw = self.options.get(119)
        return None if raw is None else decode_domains(raw)

    def hw_addr(self):
        return self.chaddr[:min(self.hlen, 16)]


def _parse_options(data, i, end, options, order, field):
    """Collect options from data[i:end] into options/order; RFC 3396 joins repeats.

    Stops at END; PAD is skipped; a missing END is tolerated; an option whose
    length runs past `end` is malformed.
    """
    while i < end:
        code = data[i]
        if code == 0:
            i += 1
            continue
        if code == 255:
            return
        if i + 1 >= end:
            raise MalformedError(field, i, "option {} has no length byte".format(code))
        n = data[i + 1]
        if i + 2 + n > end:
            raise MalformedError(field, i, "option {} length {} runs past the end".format(code, n))
        piece = data[i + 2:i + 2 + n]
        if code in options:
            options[code] += piece
        else:
            options[code] = piece
            order.append(code)
        i += 2 + n


def _cstring(raw):
    """sname/file text: up to the first NUL (servers may leave garbage after it)."""
    n = raw.find(b"\x00")
    return raw if n < 0 else raw[:n]


def decode(data):
    """Parse one DHCP message. Raises MalformedError (a ValueError) and nothing else."""
    if not isinstance(data, bytes):
        data = bytes(data)
    n = len(data)
    if n < 236:
        raise MalformedError("header", n, "truncated: {} bytes, need 236".format(n))
    if n < OPTIONS_AT or data[236:240] != COOKIE:
        raise MalformedError("magic cookie", 236, "missing or wrong")
    op = data[0]
    if op != 1 and op != 2:
        raise MalformedError("op", 0, "{} is neither BOOTREQUEST nor BOOTREPLY".format(op))
    hlen = data[2]
    if hlen > 16:
        raise MalformedError("hlen", 2, "{} > 16".format(hlen))
    m = Message(op)
    m.htype = data[1]
    m.hlen = hlen
    m.hops = data[3]
    m.xid = data[4:8]
    m.secs = (data[8] << 8) | data[9]
    m.flags = (data[10] << 8) | data[11]
    m.ciaddr = data[12:16]
    m.yiaddr = data[16:20]
    m.siaddr = data[20:24]
    m.giaddr = data[24:28]
    m.chaddr = data[28:44]
    options = m.options
    _parse_options(data, OPTIONS_AT, n, options, m.order, "options")
    # RFC 2131 §4.1 / RFC 3396 §5: overloaded fields follow the options
    # field, 'file' first, then 'sname'.
    overload = options.get(52)
    if overload is not None:
        check_fixed(52, overload, OPTIONS_AT)
        ov = overload[0]
        if ov < 1 or ov > 3:
            raise MalformedError("option 52", OPTIONS_AT, "overload value {} not 1-3".format(ov))
        if ov & _OVERLOAD_FILE:
            _parse_options(data, 108, 236, options, m.order, "file (overloaded)")
        if ov & _OVERLOAD_SNAME:
            _parse_options(data, 44, 108, options, m.order, "sname (overloaded)")
    else:
        ov = 0
    if not ov & _OVERLOAD_SNAME:
        m.sname = _cstring(data[44:108])
    if not ov & _OVERLOAD_FILE:
        m.file = _cstring(data[108:236])
    for code in m.order:
        check_fixed(code, options[code], OPTIONS_AT)
    t = m.msg_type
    if not t:
        raise MalformedError("option 53", OPTIONS_AT, "message type missing")
    if t > 18:
        raise MalformedError("option 53", OPTIONS_AT, "unknown message type {}".format(t))
    return m


def _put(buf, at, raw, size, field):
    n = len(raw)
    if n > size:
        raise UsageError("{} is {} bytes, at most {}".format(field, n, size))
    buf[at:at + n] = raw
    return at + size


def encode_into(msg, buf):
    """Write msg into bytearray buf (zeroing what it uses); return the length."""
    size = len(buf)
    if size < MIN_SIZE:
        raise UsageError("buffer must hold at least {} bytes".format(MIN_SIZE))
    for i in range(OPTIONS_AT):
        buf[i] = 0
    buf[0] = msg.op & 0xFF
    buf[1] = msg.htype & 0xFF
    buf[2] = msg.hlen & 0xFF
    buf[3] = msg.hops & 0xFF
    _put(buf, 4, msg.xid, 4, "xid")
    buf[8] = (msg.secs >> 8) & 0xFF
    buf[9] = msg.secs & 0xFF
    buf[10] = (msg.flags >> 8) & 0xFF
    buf[11] = msg.flags & 0xFF
    _put(buf, 12, msg.ciaddr, 4, "ciaddr")
    _put(buf, 16, msg.yiaddr, 4, "yiaddr")
    _put(buf, 20, msg.siaddr, 4, "siaddr")
    _put(buf, 24, msg.giaddr, 4, "giaddr")
    _put(buf, 28, msg.chaddr, 16, "chaddr")
    _put(buf, 44, msg.sname, 64, "sname")
    _put(buf, 108, msg.file, 128, "file")
    buf[236:240] = COOKIE
    at = OPTIONS_AT
    options = msg.options
    codes = msg.order
    if len(codes) != len(options):
        codes = codes + sorted([c for c in options if c not in codes])
    for code in codes:
        raw = options[code]
        n = len(raw)
        i = 0
        while True:  # RFC 3396 §7: split values longer than 255 bytes
            k = min(n - i, 255)
            if at + 2 + k >= size:
                raise UsageError("message does not fit in {} bytes".format(size))
            buf[at] = code & 0xFF
            buf[at + 1] = k
            buf[at + 2:at + 2 + k] = raw[i:i + k]
            at += 2 + k
            i += k
            if i >= n:
                break
    buf[at] = 255
    at += 1
    while at < MIN_SIZE:
        buf[at] = 0
        at += 1
    return at


def encode(msg):
    """The wire bytes of msg (at least 300 bytes, END-terminated)."""
    need = OPTIONS_AT + 1
    for raw in msg.options.values():
        need += len(raw) + 2 * (len(raw) // 255 + 1)
    buf = bytearray(max(need + 1, MIN_SIZE))
    n = encode_into(msg, buf)
    return bytes(buf) if n == len(buf) else bytes(buf[:n])

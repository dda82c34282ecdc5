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
from dhcp4c import const
from dhcp4c.errors import MalformedError, UsageError
from dhcp4c.options import FIXED, check_fixed, check_len, is_mask, split4, text, uint

# RFC 2132 §9.6: the message types a client sends or takes (option 53; the
# names of all of them are dhcp4c.constants.MSG_NAMES, host side).
DHCPDISCOVER = const(1)
DHCPOFFER = const(2)
DHCPREQUEST = const(3)
DHCPDECLINE = const(4)
DHCPACK = const(5)
DHCPNAK = const(6)
DHCPRELEASE = const(7)
DHCPINFORM = const(8)

COOKIE = b"\x63\x82\x53\x63"   # RFC 2131 §3
OPTIONS_AT = 240
MIN_SIZE = 300                 # RFC 1542 §2.1: BOOTP relays may drop shorter ones
ZERO4 = b"\x00\x00\x00\x00"


class _Field:
    """One header field, read from and written to the wire bytes in place.

    size 1 and 2: an int (a byte, a big-endian word); other sizes: bytes of
    exactly that size, or, for sname/file (`overload` = their RFC 2132 §9.3
    option 52 bit), text up to the first NUL, empty when overloaded.
    """

    def __init__(self, at, size, overload=0):
        self.at = at
        self.size = size
        self.overload = overload

    def __get__(self, msg, cls=None):
        if msg is None:
            return self
        at = self.at
        size = self.size
        hdr = msg._hdr
        if size == 1:
            return hdr[at]
        if size == 2:
            return (hdr[at] << 8) | hdr[at + 1]
        ov = self.overload
        if msg._ov & ov:
            return b""
        end = at + size
        if ov:          # text: only what comes before the first NUL is copied
            n = at
            while n < end and hdr[n]:
                n += 1
            end = n
        return bytes(hdr[at:end])

    def __set__(self, msg, v):
        at = self.at
        size = self.size
        ov = self.overload
        hdr = msg._writable()
        if size == 1:
            hdr[at] = v & 0xFF
        elif size == 2:
            hdr[at] = (v >> 8) & 0xFF
            hdr[at + 1] = v & 0xFF
        elif len(v) > size or (not ov and len(v) != size):
            raise UsageError("{} must be {}{} bytes, not {}".format(
                self._name(), "at most " if ov else "", size, len(v)))
        elif ov:
            hdr[at:at + size] = bytes(v) + bytes(size - len(v))
            msg._ov &= ~ov
        else:
            hdr[at:at + size] = v

    def _name(self):
        """This field's attribute name (for error messages only)."""
        for n in dir(Message):
            if getattr(Message, n, None) is self:
                return n
        return "field"


class Message:
    """One DHCP message: the fixed header in wire form plus raw options.

    Header fields are properties over the 236 header bytes (a decoded
    message keeps the received bytes and copies them only on first write),
    so decode() allocates little and encode() copies the header in one go.
    Addresses, xid and chaddr are bytes (4, 4, 16); the others ints.

    `options` maps code -> bytes (RFC 3396 pieces already joined); `order`
    lists the codes in wire order so that encode() re-creates them as they
    came. Use set()/remove() to keep both in step.
    """

    op = _Field(0, 1)
    htype = _Field(1, 1)
    hlen = _Field(2, 1)
    hops = _Field(3, 1)
    xid = _Field(4, 4)
    secs = _Field(8, 2)
    flags = _Field(10, 2)
    ciaddr = _Field(12, 4)
    yiaddr = _Field(16, 4)
    siaddr = _Field(20, 4)
    giaddr = _Field(24, 4)
    chaddr = _Field(28, 16)
    sname = _Field(44, 64, 2)   # RFC 2132 §9.3 option 52 bits: 1 file, 2 sname
    file = _Field(108, 128, 1)

    def __init__(self, op=1, _hdr=None):
        if _hdr is None:
            _hdr = bytearray(236)
            _hdr[0] = op
            _hdr[1] = 1   # Ethernet
            _hdr[2] = 6
        # decode() makes its messages without __init__: it sets these five too.
        self._hdr = _hdr
        self._ov = 0      # RFC 2132 §9.3 overload bits in effect when decoded
        self.dropped = None   # decode(): [(code, why)] of options dropped as malformed
        self.options = {}
        self.order = []

    def _writable(self):
        hdr = self._hdr
        if not isinstance(hdr, bytearray):
            hdr = self._hdr = bytearray(hdr[:236])
        return hdr

    def __eq__(self, other):
        if not isinstance(other, Message):
            return False
        a = self._hdr
        b = other._hdr
        return (a[:44] == b[:44] and self.sname == other.sname and self.file == other.file
                and self.options == other.options and self.order == other.order)

    def __repr__(self):
        from dhcp4c.constants import MSG_NAMES
        t = self.msg_type
        return "<Message {} xid={:08x} yiaddr={} options={}>".format(
            MSG_NAMES[t] if t < len(MSG_NAMES) else t, uint(self.xid),
            "%d.%d.%d.%d" % tuple(self.yiaddr), self.order)

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

    # -- what the client reads: None when absent, MalformedError when misshapen.
    # Every other option typed: dhcp4c.values (option(), routes(), search()),
    # which boards go without.
    def _sized(self, code, size):
        raw = self.options.get(code)
        if raw is not None:
            check_len(code, raw, len(raw) == size)
        return raw

    def addr(self, code):
        return self._sized(code, 4)

    def addrs(self, code):
        raw = self.options.get(code)
        return None if raw is None else split4(code, raw)

    def u32(self, code):
        raw = self._sized(code, 4)
        return None if raw is None else uint(raw)

    def text(self, code):
        raw = self.options.get(code)
        return None if raw is None else text(raw)


# decode()'s one look at each option code: the RFC 2132 fixed sizes of
# options.FIXED (8 standing for "a multiple of 4"), PAD and END above them.
_LOOK = bytearray(256)
for _c in FIXED:
    _LOOK[_c] = FIXED[_c] or 8
_LOOK[0] = 16
_LOOK[255] = 32


def _parse_options(data, i, end, options, order, field, join=True, _look=_LOOK):
    """Collect options from data[i:end] into options/order; RFC 3396 joins repeats.

    Stops at END; PAD is skipped; a missing END is tolerated; an option whose
    length byte or value runs past `end` is malformed. Returns True when the
    fixed sizes need the full check after the join: an option came in
    pieces, or a fixed-size one looks wrong. join=False (the quick first
    pass) lets a repeat overwrite; the caller sees it as len(order) being
    more than len(options).
    """
    recheck = False
    try:
        while i < end:
            code = data[i]
            f = _look[code]  # a local (default argument): read for every option
            if f:
                if f > 8:
                    if f > 16:
                        return recheck
                    i += 1
                    continue
                n = data[i + 1]
                if n != f and (f != 8 or n & 3 or not n):
                    recheck = True
            else:
                n = data[i + 1]  # IndexError at the end of data
            j = i + 2 + n
            if j > end:  # a length byte past `end` (sname, file) lands here too
                break
            if join and code in options:
                options[code] += data[i + 2:j]
                recheck = True
            else:
                options[code] = data[i + 2:j]
                order.append(code)
            i = j
        else:
            return recheck
    except IndexError:
        pass
    raise MalformedError(field, i, "option {} runs past the end".format(data[i]))


_new = object.__new__

# Options whose bad shape makes a message unusable (lease time, overload,
# message type, server identifier); a bad one of any other option that
# options.check_fixed() knows is dropped alone and named in Message.dropped.
_VITAL = (51, 52, 53, 54)


def decode(data):
    """Parse one DHCP message. Raises MalformedError (a ValueError) and nothing else."""
    if not isinstance(data, bytes):
        data = bytes(data)
    n = len(data)
    if n < 236:
        raise MalformedError("header", n, "truncated: {} bytes, need 236".format(n))
    if data[236:240] != COOKIE:
        raise MalformedError("magic cookie", 236, "missing or wrong")
    op = data[0]
    if op != 1 and op != 2:
        raise MalformedError("op", 0, "{} is neither BOOTREQUEST nor BOOTREPLY".format(op))
    if data[2] > 16:
        raise MalformedError("hlen", 2, "{} > 16".format(data[2]))
    m = _new(Message)   # straight from its parts: __init__ would build a header
    m._hdr = data
    m._ov = 0
    m.dropped = None
    m.options = options = {}
    m.order = order = []
    recheck = _parse_options(data, OPTIONS_AT, n, options, order, "options", False)
    if len(order) != len(options):  # rare: a repeat (RFC 3396), so again, joining
        options.clear()
        order.clear()
        recheck = _parse_options(data, OPTIONS_AT, n, options, order, "options")
    # RFC 2131 §4.1 / RFC 3396 §5: overloaded fields follow the options
    # field, 'file' first, then 'sname'.
    overload = options.get(52)
    if overload is not None:
        check_fixed(52, overload, OPTIONS_AT)
        ov = overload[0]
        if ov < 1 or ov > 3:
            raise MalformedError("option 52", OPTIONS_AT, "overload value {} not 1-3".format(ov))
        if ov & 1:
            recheck |= _parse_options(data, 108, 236, options, order, "file (overloaded)")
        if ov & 2:
            recheck |= _parse_options(data, 44, 108, options, order, "sname (overloaded)")
        options[52] = overload      # RFC 2132 §9.3: honoured in the options field only
        m._ov = ov
    # Routes have no size to look at, and a mask can be 4 bytes of nonsense.
    mask = options.get(1)
    if (recheck or 121 in options or 249 in options
            or (mask is not None and not is_mask(mask))):
        for code in list(order):
            try:
                check_fixed(code, options[code], OPTIONS_AT)
            except MalformedError as e:
                if code in _VITAL:
                    raise
                m.remove(code)          # this option only: the message stays usable
                if m.dropped is None:
                    m.dropped = []
                m.dropped.append((code, e.why))
    t = options.get(53)
    if not t or not 0 < t[0] < 19:  # RFC 2132 §9.6 and successors: 1-18
        raise MalformedError("option 53", OPTIONS_AT, "message type {} missing or unknown"
                             .format(t))
    return m


def _codes(msg):
    """Option codes in wire order; ones put straight into msg.options go last."""
    codes = msg.order
    if len(codes) != len(msg.options):
        rest = []
        for c in msg.options:
            if c not in codes:
                rest.append(c)
        codes = codes + sorted(rest)
    return codes


def _pieces(code, raw):
    """RFC 3396 §7: a value longer than 255 bytes goes out as several options."""
    out = bytearray()
    for i in range(0, len(raw), 255):
        k = min(len(raw) - i, 255)
        out.append(code & 0xFF)
        out.append(k)
        out += raw[i:i + k]
    return out


def encode_into(msg, buf):
    """Write msg into bytearray buf (zeroing what it uses); return the length."""
    size = len(buf)
    if size < MIN_SIZE:
        raise UsageError("buffer must hold at least {} bytes".format(MIN_SIZE))
    buf[0:236] = memoryview(msg._hdr)[:236]
    if msg._ov & 2:  # decoded with sname overloaded: its options are in msg.options now
        buf[44:108] = bytes(64)
    if msg._ov & 1:  # the same for file
        buf[108:236] = bytes(128)
    buf[236:240] = COOKIE
    at = OPTIONS_AT
    options = msg.options
    for code in _codes(msg):
        raw = options[code]
        n = len(raw)
        head = n < 256
        if not head:
            raw = _pieces(code, raw)
            n = len(raw)
        if at + n + 2 * head >= size:  # leaves room for END
            raise UsageError("message does not fit in {} bytes".format(size))
        if head:
            buf[at] = code
            buf[at + 1] = n
            at += 2
        buf[at:at + n] = raw
        at += n
    buf[at] = 255
    at += 1
    if at < MIN_SIZE:
        buf[at:MIN_SIZE] = bytes(MIN_SIZE - at)
        at = MIN_SIZE
    return at


def encode(msg):
    """The wire bytes of msg (at least 300 bytes, END-terminated).

    Boards should prefer encode_into() with one long-lived buffer.
    """
    out = bytearray(msg._hdr[:236])
    if msg._ov & 2:
        out[44:108] = bytes(64)
    if msg._ov & 1:
        out[108:236] = bytes(128)
    out += COOKIE
    options = msg.options
    codes = msg.order
    if len(codes) != len(options):  # some were put straight into msg.options
        codes = _codes(msg)
    append = out.append   # looked up once: this loop is most of encode's time
    for code in codes:
        raw = options[code]
        n = len(raw)
        if n > 255:
            out += _pieces(code, raw)
        else:
            append(code)
            append(n)
            out += raw
    append(255)
    if len(out) < MIN_SIZE:
        out += bytes(MIN_SIZE - len(out))
    return bytes(out)

"""Control-protocol framing (docs/control-protocol.md): one frame per line,

    @@<compact JSON object>#<crc32 of the JSON, 8 hex digits>\\n

among any other text (REPL echo, prints, binary garbage). Sans-IO, with
h11's streaming contract:

    r = FrameReader(limit=1024)
    r.receive_data(chunk)            any bytes, any split; b"" is fine
    while True:
        f = r.next_frame()           a dict (the JSON object) ...
        if f is NEED_DATA: break     ... or NEED_DATA: feed more bytes
    line = encode({"id": 1, "cmd": "state"})   bytes of one frame, "\\n" included
    p, t = encode_parts(obj)         the same as MARK + p + t, written piecewise

The reader never raises on input: lines without the marker, with a bad CRC
or bad JSON, and lines longer than `limit` are dropped and counted in
r.noise, r.bad_crc, r.bad_json, r.oversize. Memory is bounded by `limit` for
the partial line plus the complete frame lines not yet taken by next_frame().
"""
from dhcp4c import const

MARK = b"@@"
_NL = const(10)
_CR = const(13)
_HASH = const(35)


# What next_frame() returns when no complete frame is waiting (h11's name;
# a frame is always a dict, so None says it).
NEED_DATA = None


# Whether json.dumps takes ensure_ascii (CPython) or not (MicroPython, which
# writes UTF-8 as it is anyway); found on first use.
_ENSURE_ASCII = None


def _dumps(obj):
    # json and binascii are imported where used, not at import: the Linux
    # daemon makes its Controller before its first lease, and json costs ~7 ms.
    global _ENSURE_ASCII
    import json
    if _ENSURE_ASCII is None:
        try:
            json.dumps("", ensure_ascii=False)
            _ENSURE_ASCII = True
        except TypeError:
            _ENSURE_ASCII = False
    if _ENSURE_ASCII:
        # UTF-8 as it is, not \uXXXX escapes: MicroPython's json decodes an
        # escaped surrogate pair (any character past U+FFFF) as two broken ones.
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(obj, separators=(",", ":"))


def encode_parts(obj):
    """(payload, trailer) of the frame for the JSON-able dict `obj`: the
    frame line is MARK + payload + trailer. Writing the three pieces one
    after the other never copies a frame whole (str.encode() shares the
    text's data on MicroPython), where formatting one line costs a second
    copy of it."""
    import binascii
    p = _dumps(obj).encode()
    return p, b"#%08x\n" % (binascii.crc32(p) & 0xFFFFFFFF)


def encode(obj):
    """One frame line for the JSON-able dict `obj`, as bytes ending in b"\\n"."""
    p, t = encode_parts(obj)
    return b"".join((MARK, p, t))


NOISE = const(1)
BAD_CRC = const(2)
BAD_JSON = const(3)


def decode_line(line):
    """(0, dict) for a valid frame line (without its newline), else (NOISE,
    None) without the marker, (BAD_CRC, None) for a missing or wrong CRC,
    (BAD_JSON, None) when the payload is not a UTF-8 JSON object. Never raises."""
    import binascii
    import json
    i = line.find(MARK)
    if i < 0:
        return NOISE, None
    j = line.rfind(b"#")
    if j < i + 2 or len(line) - j != 9:
        return BAD_CRC, None
    p = line[i + 2:j]
    try:
        crc = int(line[j + 1:], 16)
    except ValueError:
        return BAD_CRC, None
    if crc != binascii.crc32(p) & 0xFFFFFFFF:
        return BAD_CRC, None
    try:
        v = json.loads(p.decode())
    except Exception:   # ValueError, UnicodeError; RecursionError/MemoryError on deep nesting
        return BAD_JSON, None
    if not isinstance(v, dict):
        return BAD_JSON, None
    return 0, v


class FrameReader:
    def __init__(self, limit=1024):
        self.limit = limit
        self._buf = bytearray()
        self._lines = []          # complete lines holding the marker
        self._skip = False        # discarding an oversize line up to its newline
        self.frames = 0
        self.noise = 0
        self.oversize = 0
        self.bad_crc = 0
        self.bad_json = 0

    def receive_data(self, data):
        """Take the next bytes from the peer (bytes or bytearray, any length,
        may split frames)."""
        start = 0
        n = len(data)
        buf = self._buf
        while start < n:
            k = data.find(b"\n", start)
            end = n if k < 0 else k
            if self._skip:
                pass
            elif len(buf) + end - start + (1 if k >= 0 else 0) > self.limit:
                self.oversize += 1
                self._skip = True
                buf = self._buf = bytearray()
            else:
                buf.extend(data[start:end])
            if k < 0:
                break
            if self._skip:
                self._skip = False
            else:
                if len(buf) and buf[-1] == _CR:
                    buf = buf[:-1]
                if buf.find(MARK) >= 0:
                    self._lines.append(bytes(buf))
                else:
                    self.noise += 1
            buf = self._buf = bytearray()
            start = k + 1

    def next_frame(self):
        """The next valid frame's JSON object (a dict), or NEED_DATA."""
        while self._lines:
            code, v = decode_line(self._lines.pop(0))
            if code == 0:
                self.frames += 1
                return v
            if code == BAD_CRC:
                self.bad_crc += 1
            else:
                self.bad_json += 1
        return NEED_DATA

    def counters(self):
        return {"frames_in": self.frames, "noise": self.noise, "oversize": self.oversize,
                "bad_crc": self.bad_crc, "bad_json": self.bad_json}

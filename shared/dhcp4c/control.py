"""The control channel's server side (docs/control-protocol.md): requests in,
responses and events out, for one Client. Sans-IO: the caller owns the
serial line or the sockets and passes `now` (its monotonic ms, the same clock
it gives the Client).

    ctl = Controller(client, firmware="0.1.0", board="rp2-pico-w")
    # bytes arrived on connection `conn` (any hashable id; a board has one, 0):
    out = ctl.feed(conn, data, now)      # response frames to write back to conn
    pieces = ctl.feed_parts(conn, data, now)   # the same as a list of pieces
    # then run the usual Client drain (commands may have queued datagrams and
    # events), and give every client event to the controller as well:
    ctl.on_event(event, now)             # becomes an event frame for subscribers
    out = ctl.pending(conn)              # queued event frames for conn (b"" if none)
    ctl.close(conn)                      # connection gone: drop its state
    ctl.transport["clients_dropped"] = 0 # the adapter's own counters (optional):
                                         # reported in `stats`, zeroed by its reset
    ctl.link["bad_checksum"] = 0         # the adapter's packet-path counters
                                         # (optional): `stats`' "link" section

Write feed()'s bytes before pending()'s. The *_parts() forms give the
frames as pieces (MARK, JSON, trailer, ...) to write one after the other, so
a board never holds a second copy of a big reply (frames.encode_parts).
A connection that does not read keeps at most `queue` event frames (oldest
dropped, counted). Nothing here raises on what a peer sends: bad lines are
counted drops, bad requests get error responses. Commands call the Client's
own methods, so the client state machine decides what is allowed
(UsageError becomes a `not_allowed` reply).
"""
from dhcp4c import const, events as E, states as S
from dhcp4c.errors import UsageError
from dhcp4c.frames import FrameReader, NEED_DATA, MARK, encode_parts
from dhcp4c.lease import addr_str, parse_addr
from dhcp4c.options import domains, routes, split4, uint
from dhcp4c.stats import Stats

PROTOCOL = const(1)
_MAX_ERRORS = const(8)
_MAX_SERVERS = const(4)

# The per-connection counters: name in `stats`, attribute of the FrameReader.
_COUNTERS = ("frames_in", "noise", "oversize", "bad_crc", "bad_json")
_ATTRS = ("frames", "noise", "oversize", "bad_crc", "bad_json")
_CONFIG_KEYS = ("client_id", "hostname", "requested")


class _Reply(Exception):
    """An error response: code and message (raised inside command handlers)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _hexopts(options):
    d = {}
    for code in options:
        d[code] = options[code].hex()   # json writes the int key as "code"
    return d


def _left(at, now):
    return None if at is None else at - now


def lease_dict(lease, now):
    """A Lease as the JSON object of the `state` reply (times relative to now).
    Its "options" are keyed by the int code, which json writes as a string:
    one allocation less per option on a board (str(code) would be a new str)."""
    if lease is None:
        return None
    o = lease.options
    return {"address": addr_str(lease.address), "mask": _a(lease.mask),
            "routers": _as(lease.routers), "dns": _as(lease.dns), "domain": _t(lease.domain),
            "server_id": _a(lease.server_id), "server_addr": _a(lease.server_addr),
            "lease_time": None if lease.infinite else lease.lease_time,
            "t1": lease.t1, "t2": lease.t2, "elapsed_ms": now - lease.start,
            "t1_in_ms": _left(lease.t1_at, now), "t2_in_ms": _left(lease.t2_at, now),
            "expiry_in_ms": _left(lease.expiry_at, now),
            "ntp": _as(split4(42, o[42])) if 42 in o else [],
            "mtu": uint(o[26]) if 26 in o else None,
            "routes": _routes(o), "search": _search(o), "options": _hexopts(o)}


def _routes(o):
    """RFC 3442's routes (121, else 249) as [["dest/len", "router"]]; decode()
    has checked their shape."""
    raw = o.get(121)
    if raw is None:
        raw = o.get(249)
    out = []
    for dest, width, router in routes(raw) if raw is not None else ():
        out.append(["{}/{}".format(addr_str(dest), width), addr_str(router)])
    return out


def _search(o):
    """RFC 3397's search list; a misshapen one is left out (None)."""
    try:
        return domains(o[119]) if 119 in o else []
    except ValueError:      # MalformedError
        return None


def _a(a):
    return None if a is None else addr_str(a)


def _as(addrs):
    out = []
    for a in addrs:
        out.append(addr_str(a))
    return out


def _t(v):
    if v is None or isinstance(v, str):
        return v
    try:
        return bytes(v).decode()
    except UnicodeError:
        return bytes(v).hex()


# The "kind" of a lease event, by event type.
_LEASE_KINDS = {E.LEASE_ACQUIRED: "acquired", E.LEASE_RENEWED: "renewed",
                E.LEASE_CHANGED: "changed", E.LEASE_GRANTED: "granted"}


def event_dict(e, now):
    """A client event as the payload of an event frame (without seq), or None."""
    t = e.type
    if t == E.STATE_CHANGED:
        return {"event": "state", "old": S.NAMES[e.old], "new": S.NAMES[e.new], "why": e.why}
    if t in _LEASE_KINDS:
        return {"event": "lease", "kind": _LEASE_KINDS[t], "lease": lease_dict(e.lease, now)}
    if t == E.LEASE_LOST:
        return {"event": "lease_lost", "address": addr_str(e.lease.address), "why": e.why}
    if t == E.ROUND_FAILED:
        return {"event": "no_lease", "why": e.why}
    if t == E.NAK_RECEIVED:
        return {"event": "nak", "server": _a(e.server_id), "message": _t(e.message)}
    if t == E.OFFER_REJECTED:
        return {"event": "offer_rejected", "address": _a(e.yiaddr), "server": _a(e.server_id),
                "reason": str(e.reason)}
    if t == E.SERVER_INFO:
        return {"event": "server", "id": _a(e.server_id), "address": _a(e.src),
                "options": sorted(e.options)}
    if t == E.INFORM_ACKED:
        return {"event": "inform", "lease": lease_dict(e.lease, now)}
    if t == E.V6ONLY:
        return {"event": "v6only", "server": _a(e.server_id), "wait": e.wait}
    if t == E.FALLBACK:
        return {"event": "fallback"}
    if t == E.ERROR:
        return {"event": "error", "kind": e.kind, "message": str(e.reason)}
    return None


class Connection:
    """One peer of the channel: its frame reader (with its counters), whether
    it subscribed to events, and the event frames not yet written to it."""

    def __init__(self, limit):
        self.reader = FrameReader(limit)
        self.subscribed = False
        self.queue = []


class Controller:
    def __init__(self, client, firmware="", board="", limit=1024, queue=16):
        self.client = client
        self.firmware = firmware
        self.board = board
        self.limit = limit
        self.queue = queue
        self._conns = {}
        self._base = [0] * len(_COUNTERS)   # counters of closed connections
        self.frames_out = 0
        self.errors_sent = 0
        self.events_sent = 0
        self.events_dropped = 0
        self.connections = 0
        self.no_id = 0
        self.seq = 0
        self.errors = []          # [now, kind, message], oldest first
        self.errors_total = 0
        self.servers = []         # [server_id, src, options, seen, count], oldest first
        self.transport = {}       # the adapter's own counters, e.g. clients_dropped
        self.link = {}            # its packet path's, e.g. bad_checksum, socket_errors
        self.fallback = {}        # what the adapter configured on FALLBACK (`state`)

    # -- connections ---------------------------------------------------------
    def connection(self, conn):
        """The Connection for the id `conn`, made on first use (an adapter may
        call this when a peer connects, so `stats` counts it at once)."""
        c = self._conns.get(conn)
        if c is None:
            c = self._conns[conn] = Connection(self.limit)
            self.connections += 1
        return c

    def close(self, conn):
        """Forget a connection (its counters stay in the totals)."""
        c = self._conns.pop(conn, None)
        if c is not None:
            for i in range(len(_COUNTERS)):
                self._base[i] += getattr(c.reader, _ATTRS[i])

    def feed(self, conn, data, now):
        """Bytes that arrived on `conn`; returns the response frames to write
        back (b"" when the bytes held no complete request)."""
        return b"".join(self.feed_parts(conn, data, now))

    def feed_parts(self, conn, data, now):
        """feed() as a list of pieces to write in order ([] for nothing)."""
        reader = self.connection(conn).reader
        reader.receive_data(data)
        out = []
        while True:
            f = reader.next_frame()
            if f is NEED_DATA:
                break
            r = self.handle(f, now, conn)
            if r is not None:
                self.frames_out += 1
                out.append(MARK)
                out.extend(encode_parts(r))
        return out

    def pending(self, conn):
        """Event frames queued for `conn` (b"" if none); the queue is emptied."""
        return b"".join(self.pending_parts(conn))

    def pending_parts(self, conn):
        """pending() as a list of pieces to write in order ([] for none)."""
        c = self._conns.get(conn)
        if c is None or not c.queue:
            return []
        q = c.queue
        c.queue = []
        out = []
        for p, t in q:
            out.extend((MARK, p, t))
        return out

    # -- events --------------------------------------------------------------
    def on_event(self, e, now):
        """Record a client event (errors, servers) and queue it for subscribers."""
        t = e.type
        if t == E.ERROR:
            self._error(now, e.kind, str(e.reason))
        elif t == E.NAK_RECEIVED:
            self._error(now, "nak", "NAK from {}: {}".format(addr_str(e.server_id),
                                                             _t(e.message)))
        elif t == E.OFFER_REJECTED:
            self._error(now, "offer", "offer of {} from {}: {}".format(
                addr_str(e.yiaddr), _a(e.server_id), e.reason))
        elif t == E.LEASE_LOST:
            self._error(now, "lease", "lost {}: {}".format(addr_str(e.lease.address), e.why))
        elif t == E.ROUND_FAILED:
            self._error(now, "lease", "no lease this round: {}".format(e.why))
        elif t == E.SERVER_INFO:
            self._server(e, now)
        self.seq += 1
        subs = []
        for c in self._conns.values():
            if c.subscribed:
                subs.append(c)
        if not subs:
            return
        d = event_dict(e, now)
        if d is None:
            return
        d["seq"] = self.seq
        frame = encode_parts(d)   # (payload, trailer), shared by the subscribers
        for c in subs:
            if len(c.queue) >= self.queue:
                c.queue.pop(0)
                self.events_dropped += 1
            c.queue.append(frame)
            self.events_sent += 1
            self.frames_out += 1

    def _error(self, now, kind, message):
        if len(self.errors) >= _MAX_ERRORS:
            self.errors.pop(0)
        self.errors.append([now, kind, message])
        self.errors_total += 1

    def _server(self, e, now):
        for s in self.servers:
            if s[0] == e.server_id:
                s[1] = e.src
                s[2] = e.options
                s[3] = now
                s[4] += 1
                return
        if len(self.servers) >= _MAX_SERVERS:
            self.servers.pop(0)
        self.servers.append([e.server_id, e.src, e.options, now, 1])

    # -- requests ------------------------------------------------------------
    def handle(self, req, now, conn=None):
        """One decoded request frame -> the response dict (None: nothing to
        answer, e.g. a frame without an id, or someone's response echoed)."""
        rid = req.get("id")
        if "cmd" not in req and ("ok" in req or "event" in req):
            return None     # a response or event echoed back to us: not for us
        if rid is None:
            self.no_id += 1     # nobody to answer
            return None
        if isinstance(rid, bool) or not (isinstance(rid, str) or isinstance(rid, int)):
            return self._err(None, "bad_request", "id must be an integer or a string")
        try:
            cmd = req.get("cmd")
            args = req.get("args", {})
            if not isinstance(cmd, str):
                raise _Reply("bad_request", "request needs a cmd string")
            if not isinstance(args, dict):
                raise _Reply("bad_request", "args must be an object")
            for name, run, allowed in COMMAND_TABLE:   # thirteen rows: no index needed
                if name == cmd:
                    break
            else:
                raise _Reply("unknown_command", "unknown command: {}".format(cmd[:40]))
            _no_args(args, allowed)
            result = run(self, cmd, args, now, conn)
        except _Reply as e:
            return self._err(rid, e.code, e.message)
        except UsageError as e:
            return self._err(rid, "not_allowed", str(e))
        except Exception as e:  # a bug must not stop the channel
            return self._err(rid, "internal", "{}: {}".format(type(e).__name__, e))
        return {"id": rid, "ok": True, "result": result}

    def _err(self, rid, code, message):
        self.errors_sent += 1
        return {"id": rid, "ok": False, "error": {"code": code, "message": message}}

    def counters(self):
        """The control channel's counters, summed over all connections."""
        d = {}
        for i in range(len(_COUNTERS)):
            n = self._base[i]
            for c in self._conns.values():
                n += getattr(c.reader, _ATTRS[i])
            d[_COUNTERS[i]] = n
        d["frames_out"] = self.frames_out
        d["errors_sent"] = self.errors_sent
        d["events_sent"] = self.events_sent
        d["events_dropped"] = self.events_dropped
        d["connections"] = self.connections
        d["no_id"] = self.no_id
        d["clients"] = len(self._conns)
        for k in self.transport:
            d[k] = self.transport[k]
        return d




# -- the commands (docs/control-protocol.md): handler(ctl, cmd, args, now,
# conn) -> the result; args are already checked against the names the table
# allows.

def _hello(ctl, cmd, args, now, conn):
    return {"protocol": PROTOCOL, "firmware": ctl.firmware, "board": ctl.board,
            "max_line": ctl.limit, "capabilities": list(COMMANDS) + ["events"]}


def _state(ctl, cmd, args, now, conn):
    c = ctl.client
    return {"state": S.NAMES[c.state], "in_state_ms": c.time_in_state(now),
            "lease": lease_dict(c.lease, now), "informed": lease_dict(c.informed, now),
            "fallback": ctl.fallback if c.fallback else None}


def _inform(ctl, cmd, args, now, conn):
    """DHCPINFORM for `address`, configured by other means (STOPPED only)."""
    addr = args.get("address")
    try:
        a = parse_addr(addr)
    except (AttributeError, ValueError):     # not a str; not a dotted quad
        a = None
    if a is None:
        raise _Reply("bad_args", "address must be a dotted quad")
    ctl.client.inform(now, a)
    return {"state": S.NAMES[ctl.client.state]}


def _client_command(ctl, cmd, args, now, conn):
    """renew, rebind, release, restart: the Client's method of that name,
    which decides whether it is allowed now (UsageError: not_allowed)."""
    getattr(ctl.client, cmd)(now)
    return {"state": S.NAMES[ctl.client.state]}


def _stats(ctl, cmd, args, now, conn):
    reset = args.get("reset", False)
    if not isinstance(reset, bool):
        raise _Reply("bad_args", "reset must be true or false")
    r = {"client": ctl.client.stats.as_dict(), "control": ctl.counters(),
         "link": dict(ctl.link)}
    if reset:
        ctl.client.stats = Stats(S.N_STATES)
        ctl._base = [0] * len(_COUNTERS)
        for c in ctl._conns.values():
            for a in _ATTRS:
                setattr(c.reader, a, 0)
        for d in (ctl.transport, ctl.link):
            for k in d:
                d[k] = 0
        ctl.frames_out = ctl.errors_sent = ctl.events_sent = 0
        ctl.events_dropped = ctl.no_id = 0
        ctl.connections = len(ctl._conns)
    return r


def _server(ctl, cmd, args, now, conn):
    out = []
    for s in ctl.servers:
        out.append({"id": _a(s[0]), "address": _a(s[1]), "options": _hexopts(s[2]),
                    "seen_ms_ago": now - s[3], "count": s[4]})
    return {"servers": out}


def _errors(ctl, cmd, args, now, conn):
    out = []
    for e in ctl.errors:
        out.append({"ago_ms": now - e[0], "kind": e[1], "message": e[2]})
    return {"errors": out, "total": ctl.errors_total}


def _subscribe(ctl, cmd, args, now, conn):
    ctl.connection(conn).subscribed = True
    return {"subscribed": True}


def _unsubscribe(ctl, cmd, args, now, conn):
    k = ctl.connection(conn)
    k.subscribed = False
    k.queue = []
    return {"subscribed": False}


def _config(ctl, cmd, args, now, conn):
    new = args.get("set")
    cfg = ctl.client.config
    if new is not None:
        if not isinstance(new, dict):
            raise _Reply("bad_args", "set must be an object")
        _no_args(new, _CONFIG_KEYS)
        vals = {}
        for k in new:
            vals[k] = _config_value(k, new[k])
        for k in vals:
            setattr(cfg, k, vals[k])
        ctl.client.reconfigure()
    cid = cfg.client_id
    if cid is not None and not isinstance(cid, str):
        cid = bytes(cid).hex()
    return {"client_id": cid, "hostname": _t(cfg.hostname), "requested": _a(cfg.requested)}


# One row a command: name, handler, the argument names it takes. COMMANDS and
# hello's capabilities come from here, so a command without a handler cannot
# exist.
COMMAND_TABLE = (
    ("hello", _hello, ()),
    ("state", _state, ()),
    ("renew", _client_command, ()),
    ("rebind", _client_command, ()),
    ("release", _client_command, ()),
    ("restart", _client_command, ()),
    ("stats", _stats, ("reset",)),
    ("server", _server, ()),
    ("errors", _errors, ()),
    ("subscribe", _subscribe, ()),
    ("unsubscribe", _unsubscribe, ()),
    ("config", _config, ("set",)),
    ("inform", _inform, ("address",)),
)
COMMANDS = tuple(row[0] for row in COMMAND_TABLE)


def _no_args(args, allowed=()):
    for k in args:
        if k not in allowed:
            raise _Reply("bad_args", "unknown argument: {}".format(str(k)[:40]))


def _config_value(k, v):
    if k == "requested":
        if v is None:
            return None
        if isinstance(v, str):
            try:
                a = parse_addr(v)
            except ValueError:
                a = None
            if a is not None:
                return a
        raise _Reply("bad_args", "requested must be a dotted quad or null")
    if v is None:
        return None
    if not isinstance(v, str) or not 0 < len(v) <= 63:
        raise _Reply("bad_args", "{} must be a string of 1..63 characters or null".format(k))
    return v

"""dhcpctl: talk to a dhcp4c client over its control channel
(docs/control-protocol.md) - a board's serial line or the daemon's socket.

    dhcpctl --port /dev/ttyACM0 state          a board (any pyserial URL:
    dhcpctl --port socket://host:2217 stats    socket://, rfc2217://, loop://)
    dhcpctl -i eth0 renew                      the daemon: /run/dhcpc/eth0.sock
    dhcpctl --socket /tmp/x.sock events        a socket path
    dhcpctl fsm --dot                          the state machine as Graphviz

Commands: hello, state, renew, rebind, release, restart, stats [--reset],
server, errors, config [--hostname H] [--client-id C] [--requested A],
events [--count N] (JSON lines), watch (live view), fsm --dot.
Human output by default, --json for scripts. Exit status: 0 ok, 1 error
reply, 2 usage, 3 timeout, 4 cannot open the device or socket.
"""
import argparse
import json
import os
import select
import shutil
import socket
import sys
import time

from dhcp4c import values as V
from dhcp4c.control import COMMAND_TABLE
from dhcp4c.errors import MalformedError
from dhcp4c.frames import FrameReader, NEED_DATA, encode
from dhcp4c.lease import addr_str

RUN_DIR = "/run/dhcpc"
EXIT_ERROR, EXIT_USAGE, EXIT_TIMEOUT, EXIT_NODEV = 1, 2, 3, 4


class CtlError(Exception):
    """Message for the user and the exit status."""

    def __init__(self, message, status=EXIT_ERROR, code=None):
        super().__init__(message)
        self.status = status
        self.code = code


# -- transports ----------------------------------------------------------------
class SerialLink:
    """A pyserial port or URL (serial_for_url: /dev/tty*, socket://, rfc2217://, loop://).

    On a pty the RTS/DTR ioctls fail (EINVAL/ENOTTY): pyserial 3.5's open()
    ignores that, and this class never sets rts/dtr afterwards (doing so is
    what makes mpremote fail on a pty). Should a pyserial version still
    refuse a device path, open_link() falls back to TtyLink."""

    def __init__(self, url, baud):
        import serial
        s = serial.serial_for_url(url, baudrate=baud, timeout=0, do_not_open=True)
        s.open()
        self.s = s

    def write(self, data):
        self.s.write(data)
        self.s.flush()

    def read(self, timeout):
        fd = self._fd()
        if fd is not None:
            r, _, _ = select.select([fd], [], [], max(timeout, 0))
            if not r:
                return b""
            data = self.s.read(self.s.in_waiting or 1)
        else:   # URL handlers without a file descriptor: poll
            self.s.timeout = max(timeout, 0.001)
            data = self.s.read(max(1, self.s.in_waiting))
        return data

    def _fd(self):
        try:
            return self.s.fileno()
        except Exception:
            sock = getattr(self.s, "_socket", None)
            return sock.fileno() if sock is not None else None

    def close(self):
        self.s.close()


class TtyLink:
    """A tty device opened directly (raw mode, no modem-control ioctls)."""

    def __init__(self, path, baud):
        import termios
        import tty
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(self.fd)
            speed = getattr(termios, "B{}".format(baud), None)
            if speed is not None:
                attrs = termios.tcgetattr(self.fd)
                attrs[4] = attrs[5] = speed
                termios.tcsetattr(self.fd, termios.TCSANOW, attrs)
        except Exception:
            os.close(self.fd)
            raise

    def write(self, data):
        while data:
            data = data[os.write(self.fd, data):]

    def read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        return os.read(self.fd, 65536) if r else b""

    def close(self):
        os.close(self.fd)


def open_serial(url, baud):
    """SerialLink for `url`; for a device path pyserial refuses, TtyLink."""
    import serial
    try:
        return SerialLink(url, baud)
    except (OSError, ValueError, serial.SerialException) as e:
        err = e
    if "://" not in url and os.path.exists(url):
        try:
            return TtyLink(url, baud)
        except OSError as e:
            err = e
    raise CtlError("cannot open {}: {}".format(url, err), EXIT_NODEV)


class SocketLink:
    """The daemon's Unix stream socket."""

    def __init__(self, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
        except OSError as e:
            s.close()
            raise CtlError("cannot connect to {}: {} (is dhcpc running for it?)".format(
                path, e.strerror or e), EXIT_NODEV)
        self.s = s

    def write(self, data):
        try:
            self.s.sendall(data)
        except OSError as e:
            raise CtlError("the daemon closed the connection ({})".format(e.strerror or e),
                           EXIT_NODEV)

    def read(self, timeout):
        r, _, _ = select.select([self.s], [], [], max(timeout, 0))
        if not r:
            return b""
        try:
            data = self.s.recv(65536)
        except OSError as e:    # ECONNRESET: closed with our request unread
            raise CtlError("the daemon closed the connection ({})".format(e.strerror or e),
                           EXIT_NODEV)
        if not data:
            raise CtlError("the daemon closed the connection", EXIT_NODEV)
        return data

    def close(self):
        self.s.close()


# -- the protocol's client side ------------------------------------------------
class Session:
    def __init__(self, link, timeout=3.0):
        self.link = link
        self.timeout = timeout
        self.reader = FrameReader(65536)
        self.events = []
        self.next_id = int.from_bytes(os.urandom(2), "big") + 1

    def request(self, cmd, args=None):
        """Send one request; return its result, or raise CtlError."""
        rid = self.next_id
        self.next_id += 1
        req = {"id": rid, "cmd": cmd}
        if args:
            req["args"] = args
        try:
            line = encode(req)
        except UnicodeEncodeError as e:     # e.g. an argument that was not UTF-8
            raise CtlError("{}: cannot send {!r}: not valid UTF-8".format(
                cmd, e.object[e.start:e.end]), EXIT_USAGE)
        self.link.write(line)
        end = time.monotonic() + self.timeout
        while True:
            for f in self._frames():
                if f.get("id") == rid and "ok" in f:
                    if f["ok"]:
                        return f.get("result")
                    err = f.get("error") or {}
                    raise CtlError(printable("{}: {} ({})".format(
                        cmd, err.get("message", "error"), err.get("code", "?"))),
                        EXIT_ERROR, err.get("code"))
            left = end - time.monotonic()
            if left <= 0:
                raise CtlError("no answer to {} within {:g} s".format(cmd, self.timeout),
                               EXIT_TIMEOUT)
            self.reader.receive_data(self.link.read(left))

    def _frames(self):
        out = []
        while True:
            f = self.reader.next_frame()
            if f is NEED_DATA:
                return out
            if "event" in f:
                self.events.append(f)
            elif "cmd" not in f:      # our own requests echoed by a tty are skipped
                out.append(f)

    def wait_events(self, timeout):
        """Events received within `timeout` s (returns early once any arrived)."""
        end = time.monotonic() + timeout
        while not self.events:
            left = end - time.monotonic()
            if left <= 0:
                break
            self.reader.receive_data(self.link.read(left))
            self._frames()
        ev = self.events
        self.events = []
        return ev


# -- human output --------------------------------------------------------------
# Every string a peer sent goes through printable() (clean() for a whole
# reply) before it reaches a terminal: a server's message, host name or
# domain must not be able to move the cursor or retitle the window.
def printable(s):
    """`s` with control and other non-printable characters escaped (\\x1b, \\n, \\u2028)."""
    if s.isprintable():
        return s
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in s)


def clean(r):
    """A reply with every string in it (keys too) printable()."""
    if isinstance(r, str):
        return printable(r)
    if isinstance(r, dict):
        return dict((clean(k), clean(v)) for k, v in r.items())
    if isinstance(r, list):
        return [clean(v) for v in r]
    return r


def _show(kind, v):
    """Text for a value that values.value() typed as `kind`."""
    if kind == V.ADDR:
        return addr_str(v)
    if kind == V.ADDRS:
        return ", ".join(addr_str(a) for a in v)
    if kind == V.PAIRS:
        return ", ".join("{}/{}".format(addr_str(a), addr_str(b)) for a, b in v)
    if kind == V.ROUTES:
        return ", ".join("{}/{} via {}".format(addr_str(d), w, addr_str(r)) for d, w, r in v)
    if kind in (V.U16S, V.CODES):
        return " ".join(str(n) for n in v)
    if kind == V.DOMAINS:
        return ", ".join(v)
    if kind == V.SIP:
        return ", ".join(addr_str(a) if v[0] else a for a in v[1])
    if kind == V.FQDN:
        return "{} (flags 0x{:02x})".format(v[3] or "-", v[0])
    if kind == V.FLAG:
        return {0: "no", 1: "yes"}.get(v, str(v))
    if kind == V.EMPTY:
        return "(present)"
    if isinstance(v, bytes):
        return v.hex()
    return str(v)


def fmt_options(options, indent="  "):
    """One line per option of a reply's {"code": "hex"}: code, name and the
    value as the option table types it (hex where it knows no kind, or the
    value has the wrong shape)."""
    rows = []
    for key in sorted(options, key=lambda k: int(k) if k.isdigit() else 256):
        hexval = options[key]
        code = int(key) if key.isdigit() else None
        text = hexval
        if code is not None:
            try:
                text = _show(V.KINDS.get(code, V.OPAQUE), V.value(code, bytes.fromhex(hexval)))
            except MalformedError:
                text = hexval + " (malformed)"
            except (TypeError, ValueError):
                pass                # not hex: as the peer sent it
        rows.append((key, key if code is None else V.name(code), printable(str(text))))
    width = max([len(r[1]) for r in rows] or [0])
    return ["{}{:>3}  {:<{}}  {}".format(indent, k, n, width, t) for k, n, t in rows]


def dur(ms):
    """'1h 02m 03s' style duration from ms ('-' for None, 'passed' for < 0)."""
    if ms is None:
        return "never"
    if ms < 0:
        return "passed"
    s = int(ms // 1000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    if h:
        return "{}h {:02d}m {:02d}s".format(h, m, s)
    if m:
        return "{}m {:02d}s".format(m, s)
    return "{}.{}s".format(s, int(ms % 1000) // 100)


def fmt_state(r):
    lines = ["state     {}  (for {})".format(r["state"], dur(r["in_state_ms"]))]
    l = r.get("lease")
    info = r.get("informed")
    if not l and info:      # DHCPINFORM's parameters: no lease, no times
        lines += [
            "informed  {}/{}  (DHCPINFORM: no lease)".format(info["address"],
                                                            info["mask"] or "?"),
            "routers   {}".format(", ".join(info["routers"]) or "-"),
            "dns       {}".format(", ".join(info["dns"]) or "-"),
            "domain    {}".format(info["domain"] or "-"),
            "server    {} (from {})".format(info["server_id"], info["server_addr"]),
        ]
        if info.get("options"):
            lines.append("options:")
            lines += fmt_options(info["options"])
        return "\n".join(lines)
    if not l:
        lines.append("lease     none")
        return "\n".join(lines)
    lt = "infinite" if l["lease_time"] is None else "{} s".format(l["lease_time"])
    lines += [
        "address   {}/{}".format(l["address"], l["mask"] or "?"),
        "routers   {}".format(", ".join(l["routers"]) or "-"),
        "dns       {}".format(", ".join(l["dns"]) or "-"),
        "domain    {}".format(l["domain"] or "-"),
        "server    {} (from {})".format(l["server_id"], l["server_addr"]),
        "lease     {}, started {} ago".format(lt, dur(l["elapsed_ms"])),
        "T1 in     {}".format(dur(l["t1_in_ms"])),
        "T2 in     {}".format(dur(l["t2_in_ms"])),
        "expiry in {}".format(dur(l["expiry_in_ms"])),
    ]
    if l.get("ntp"):
        lines.append("ntp       {}".format(", ".join(l["ntp"])))
    if l.get("mtu"):
        lines.append("mtu       {}".format(l["mtu"]))
    for dest, via in l.get("routes") or ():
        lines.append("route     {} via {}".format(dest, via))
    if l.get("search"):
        lines.append("search    {}".format(" ".join(l["search"])))
    if l.get("options"):
        lines.append("options:")
        lines += fmt_options(l["options"])
    return "\n".join(lines)


def _flat(d, prefix=""):
    out = []
    for k in sorted(d):
        v = d[k]
        if isinstance(v, dict):
            out += _flat(v, prefix + k + ".")
        else:
            out.append((prefix + k, v))
    return out


def fmt_stats(r):
    lines = []
    for sect in ("client", "control", "link"):
        if sect not in r:
            continue
        lines.append(sect + ":")
        for k, v in _flat(r.get(sect, {})):
            lines.append("  {:<34} {}".format(k, v))
    return "\n".join(lines)


def fmt_servers(r):
    if not r["servers"]:
        return "no server seen yet"
    lines = []
    for s in r["servers"]:
        lines.append("server {} from {}: seen {} times, last {} ago".format(
            s["id"], s["address"], s["count"], dur(s["seen_ms_ago"])))
        lines += fmt_options(s["options"])
    return "\n".join(lines)


def fmt_errors(r):
    if not r["errors"]:
        return "no errors ({} ever)".format(r["total"])
    lines = ["{} ago  {:<9} {}".format(dur(e["ago_ms"]), e["kind"], e["message"])
             for e in r["errors"]]
    lines.append("({} ever)".format(r["total"]))
    return "\n".join(lines)


def fmt_event(e):
    k = e.get("event")
    if k == "state":
        return "state {} -> {} ({})".format(e["old"], e["new"], e["why"])
    if k == "lease":
        l = e.get("lease") or {}
        return "lease {} {}".format(e.get("kind"), l.get("address"))
    if k == "lease_lost":
        return "lease lost {} ({})".format(e["address"], e["why"])
    if k == "no_lease":
        return "no lease this round ({})".format(e["why"])
    if k == "nak":
        return "NAK from {}: {}".format(e["server"], e["message"])
    if k == "server":
        return "server {} at {}".format(e["id"], e["address"])
    if k == "error":
        return "error {}: {}".format(e["kind"], e["message"])
    if k == "offer_rejected":
        return "offer {} from {} rejected: {}".format(e["address"], e["server"], e["reason"])
    return json.dumps(e, sort_keys=True)


def fmt_generic(r):
    if isinstance(r, dict):
        return "\n".join("{:<12} {}".format(k, v) for k, v in sorted(r.items()))
    return str(r)


# -- watch ---------------------------------------------------------------------
def timeline(lease, width):
    """Three lines: a bar from lease start to expiry (the elapsed part '#',
    T1 '1', T2 '2', expiry '|'), the marks labelled under it (^now, T1, T2,
    expiry) and the time left to each."""
    if lease is None:
        return ["(no lease)"]
    total = None if lease["lease_time"] is None else lease["lease_time"] * 1000
    if not total:
        return ["lease {}: infinite".format(lease["address"])]
    w = max(20, width - 4)

    def pos(ms):
        return min(w - 1, max(0, int(ms * (w - 1) / total)))

    pn, p1, p2 = pos(lease["elapsed_ms"]), pos(lease["t1"] * 1000), pos(lease["t2"] * 1000)
    bar = ["#" if i <= pn else "-" for i in range(w)]
    bar[p1], bar[p2], bar[w - 1] = "1", "2", "|"
    labels = [" "] * (w + 2)

    def put(at, text):
        at = max(0, min(at, len(labels) - len(text)))
        if all(c == " " for c in labels[max(0, at - 1):at + len(text) + 1]):
            labels[at:at + len(text)] = list(text)

    put(pn + 1, "^now")
    put(p1 + 1, "T1")
    put(p2 + 1, "T2")
    put(w + 2 - len("expiry"), "expiry")
    times = "started {} ago; T1 in {}, T2 in {}, expiry in {}".format(
        dur(lease["elapsed_ms"]), dur(lease["t1_in_ms"]), dur(lease["t2_in_ms"]),
        dur(lease["expiry_in_ms"]))
    return ["[" + "".join(bar) + "]", "".join(labels).rstrip(), times]


def render(state, stats, events, width, source):
    out = ["dhcpctl watch  {}  {}".format(source, time.strftime("%H:%M:%S")), ""]
    out.append("STATE {}   for {}".format(state["state"], dur(state["in_state_ms"])))
    l = state.get("lease")
    if l:
        out.append("lease {}/{} from {}  ({} s)".format(
            l["address"], l["mask"], l["server_id"], l["lease_time"]))
    out.append("")
    out += timeline(l, width)
    out.append("")
    c = stats.get("client", {}) if stats else {}
    k = stats.get("control", {}) if stats else {}
    sent = " ".join("{}={}".format(a, b) for a, b in sorted(c.get("sent", {}).items()))
    recv = " ".join("{}={}".format(a, b) for a, b in sorted(c.get("received", {}).items()))
    out.append("sent: {}".format(sent or "-"))
    out.append("received: {}".format(recv or "-"))
    out.append("leases {}  renew ok/fail {}/{}  rebind ok/fail {}/{}  naks {}  retrans {}".format(
        c.get("leases", 0), c.get("renew_ok", 0), c.get("renew_fail", 0),
        c.get("rebind_ok", 0), c.get("rebind_fail", 0), c.get("naks", 0),
        c.get("retransmissions", 0)))
    out.append("control: frames in {} out {}  noise {}  bad crc {}  oversize {}".format(
        k.get("frames_in", 0), k.get("frames_out", 0), k.get("noise", 0),
        k.get("bad_crc", 0), k.get("oversize", 0)))
    out.append("")
    out.append("latest events:")
    for t, e in events[-8:]:
        out.append("  {}  {}".format(time.strftime("%H:%M:%S", time.localtime(t)), fmt_event(e)))
    return [line[:width] for line in out]


def watch(sess, source, once=False):
    events = []
    sess.request("subscribe")
    tty = sys.stdout.isatty()
    try:
        while True:
            state = clean(sess.request("state"))
            stats = clean(sess.request("stats"))
            for e in sess.events:
                events.append((time.time(), clean(e)))
            sess.events = []
            width = shutil.get_terminal_size((80, 24)).columns
            lines = render(state, stats, events, width, source)
            if tty:
                sys.stdout.write("\x1b[H\x1b[2J" + "\r\n".join(lines) + "\r\n")
            else:
                sys.stdout.write("\n".join(lines) + "\n\n")
            sys.stdout.flush()
            if once:
                return 0
            for e in sess.wait_events(1.0):
                events.append((time.time(), clean(e)))
            del events[:-50]
    except KeyboardInterrupt:
        return 0


# -- main ----------------------------------------------------------------------
def parse_args(argv):
    p = argparse.ArgumentParser(prog="dhcpctl", description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--port", help="serial port or pyserial URL of a board")
    g.add_argument("--socket", help="Unix socket of the dhcpc daemon")
    g.add_argument("-i", "--iface", help="daemon of interface IFACE ({}/IFACE.sock)".format(
        RUN_DIR))
    p.add_argument("--baud", type=int, default=115200, help="serial speed (default 115200)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for an answer")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    j = argparse.ArgumentParser(add_help=False)     # --json after COMMAND too
    j.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    add = sub.add_parser

    def sub_add(name, **kw):
        return add(name, parents=[j], **kw)
    sub.add_parser = sub_add
    # Every command of the protocol without arguments is a subcommand as it
    # is (a new one needs nothing here); those with arguments get flags
    # below, and subscribe/unsubscribe are what `events` and `watch` do.
    for name, _, args in COMMAND_TABLE:
        if not args and name not in ("subscribe", "unsubscribe"):
            sub.add_parser(name)
    s = sub.add_parser("stats")
    s.add_argument("--reset", action="store_true", help="zero the counters after reading")
    c = sub.add_parser("config")
    c.add_argument("--hostname")
    c.add_argument("--client-id")
    c.add_argument("--requested")
    e = sub.add_parser("events", help="stream events as JSON lines")
    e.add_argument("--count", type=int, default=0, help="stop after N events")
    w = sub.add_parser("watch", help="live view")
    w.add_argument("--once", action="store_true", help="draw once and exit")
    i = sub.add_parser("inform", help="DHCPINFORM for an address configured by other means")
    i.add_argument("address")
    f = sub.add_parser("fsm")
    f.add_argument("--dot", action="store_true", required=True)
    return p.parse_args(argv)


def connect(a):
    if a.port:
        return open_serial(a.port, a.baud), a.port
    path = a.socket or (os.path.join(RUN_DIR, a.iface + ".sock") if a.iface else None)
    if path is None:
        raise CtlError("say where the client is: --port PORT, --socket PATH or -i IFACE",
                       EXIT_USAGE)
    return SocketLink(path), path


FORMAT = {"state": fmt_state, "stats": fmt_stats, "server": fmt_servers,
          "errors": fmt_errors}


def run(a):
    if a.command == "fsm":
        from dhcp4c.diagram import to_dot
        sys.stdout.write(to_dot())
        return 0
    link, source = connect(a)
    try:
        sess = Session(link, a.timeout)
        if a.command == "watch":
            return watch(sess, source, a.once)
        if a.command == "events":
            sess.request("subscribe")
            print("dhcpctl: subscribed to events of {}".format(source), file=sys.stderr,
                  flush=True)
            n = 0
            try:
                while not a.count or n < a.count:
                    for e in sess.wait_events(1.0):
                        print(json.dumps(e, sort_keys=True), flush=True)
                        n += 1
                        if a.count and n >= a.count:
                            break
            except KeyboardInterrupt:
                pass
            return 0
        args = None
        if a.command == "stats" and a.reset:
            args = {"reset": True}
        if a.command == "inform":
            args = {"address": a.address}
        if a.command == "config":
            new = {}
            for k in ("hostname", "client_id", "requested"):
                v = getattr(a, k)
                if v is not None:
                    new[k] = None if v in ("", "none") else v
            args = {"set": new} if new else None
        r = sess.request(a.command, args)
        if a.json:
            print(json.dumps(r, sort_keys=True))
            return 0
        r = clean(r)
        if a.command in FORMAT:
            print(FORMAT[a.command](r))
        elif a.command in ("renew", "rebind", "release", "restart"):
            print("{}: now {}".format(a.command, r["state"]))
        else:
            print(fmt_generic(r))
        return 0
    finally:
        link.close()


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(a)
    except CtlError as e:
        print("dhcpctl: " + str(e), file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

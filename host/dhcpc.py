"""dhcpc - a DHCPv4 client daemon for Linux, udhcpc-compatible (flags and script ABI).

An adapter only: every protocol decision is dhcp4c.client.Client's. This module
does the I/O around it:

- a packet socket (AF_PACKET/SOCK_DGRAM on one interface, classic BPF filter
  for IPv4/UDP to port 68) that stays open for the whole run: opening one costs
  10-25 ms. IPv4/UDP headers are built and checked with dhcp4c.ipudp;
  PACKET_AUXDATA tells when the kernel has not filled in the UDP checksum yet
  (TP_STATUS_CSUMNOTREADY, e.g. veth), and only then is it not checked;
- a kernel UDP socket bound to the leased address:68 on the interface
  (SO_BINDTODEVICE) while a lease is held: unicast REQUEST (RENEWING) and
  RELEASE go out through it, and its presence keeps the kernel from answering
  unicast replies with ICMP port-unreachable (replies are read on the packet
  socket, which sees them first);
- a netlink RTMGRP_LINK socket for carrier and interface add/remove;
- an ARP probe (RFC 5227) of a new address with -a, served by the main loop;
- the udhcpc script ABI: PROG deconfig|bound|renew|nak|leasefail, values in
  the environment only (argv list, never a shell string);
- the control protocol on a Unix socket (dhcpc_control, --control), started
  at the first quiet moment so it is never on the way to a lease.

Start-up is kept lean (time to the first DISCOVER counts the interpreter's
start): only posix, sys, _socket, select, _signal, time and the dhcp4c core
are imported on that path, all but dhcp4c built into the interpreter; os
(for the lease file's directory, after `bound`) and syslog are imported when
first needed.
"""
# posix, not os: the interpreter has loaded posix (which os wraps) before it
# runs anything, while os with posixpath, stat and _collections_abc costs
# ~2 ms of start-up. Likewise no struct (int.from_bytes/to_bytes instead).
import posix
import select
import sys
import time

# The C modules under `socket` and `signal`: the Python wrappers import enum
# (~10 ms of start-up together) for nothing this daemon needs.
import _signal as signal
import _socket as socket


def _exists(path):
    try:
        posix.stat(path)
    except (OSError, ValueError):
        return False
    return True


# This module's directory, absolute (no os.path: see above); HERE + "/.." is
# its parent, the repository root in a checkout.
HERE = __file__.rpartition("/")[0]
if not HERE.startswith("/"):
    HERE = posix.getcwd() + ("/" + HERE if HERE else "")
if _exists(HERE + "/../shared/dhcp4c"):
    # Run from a checkout (python3 -I -S host/dhcpc.py starts fastest).
    sys.path.insert(0, HERE + "/../shared")

from dhcp4c import events as E  # noqa: E402
from dhcp4c import states as S  # noqa: E402
from dhcp4c.client import DEFAULT_PRL, Client, Config  # noqa: E402
from dhcp4c.errors import MalformedError, UsageError  # noqa: E402
from dhcp4c.ipudp import build_ip_udp, parse_ip_udp  # noqa: E402
from dhcp4c.lease import Lease, addr_str, parse_addr  # noqa: E402

PROG = "dhcpc"

USAGE = """\
DHCPC(8)                        dhcp4c                        DHCPC(8)

NAME
    dhcpc - DHCPv4 client daemon (udhcpc-compatible flags and scripts)

SYNOPSIS
    dhcpc [-fbnqRBCSo] [-i IFACE] [-r IP] [-s PROG] [-p PIDFILE]
          [-c CLIENTID] [-H|-h HOSTNAME] [-V VENDOR] [-F NAME]
          [-t N] [-T SEC] [-A SEC] [-a[MSEC]] [-O OPT]... [-x OPT:VAL]...
          [--leasefile FILE] [--control PATH]

OPTIONS
    -i, --interface IFACE   interface to configure (default eth0)
    -r, --request IP        ask for this address (default: manifest.json's
                            default_ip; none when null)
    -c, --clientid CLIENTID send option 61 as given (default: 01 + MAC)
    -C, --clientid-none     send no client identifier
    -H, -h, --hostname NAME send option 12 (-h is not help: use --help)
    -V, --vendorclass VENDOR  option 60
    -F, --fqdn NAME         option 81 (RFC 4702, server updates DNS)
    -s, --script PROG       run PROG deconfig|bound|renew|nak|leasefail
                            (default: the shipped dhcpc.script, iproute2)
    -f, --foreground        do not fork after getting the lease
    -b, --background        go to background at once if no lease is
                            negotiated in the first round
    -n, --now               exit with status 1 if no lease is negotiated
                            in the first round
    -q, --quit              exit after obtaining a lease
    -R, --release           release the lease on exit (SIGTERM, -q)
    -p, --pidfile FILE      write the daemon's pid to FILE
    -t, --retries N         DISCOVERs per round (default 3)
    -T, --timeout SEC       seconds between them (default 3)
    -A, --tryagain SEC      wait after a failed round (default 20)
    -a, --arping[=MSEC]     ARP-probe the offered address (RFC 5227) for
                            MSEC ms (default 2000); in use -> DECLINE
    -O, --request-option OPT  also ask for option OPT (name or number)
    -o, --no-default-options  ask only for the -O options
    -x OPT:VAL              send option OPT (name or number) with VAL
                            (hostname:bbox, lease:3600, 0x3d:0100beef)
    -B, --broadcast         ask for broadcast replies (always on here)
    -S, --syslog            log to syslog too
    --leasefile FILE        keep the lease here for INIT-REBOOT after a
                            restart (default /var/lib/dhcpc/IFACE.lease;
                            '' for none)
    --control PATH          serve the control protocol (dhcpctl) on this
                            Unix socket, mode 0600 (default
                            /run/dhcpc/IFACE.sock; '' for none)
    --halp, --help          this text

SIGNALS
    SIGUSR1 renew (or start over when no lease is held), SIGUSR2 release,
    SIGTERM exit (release first with -R).

SCRIPT
    Called as PROG ACTION with interface ip siaddr sname boot_file subnet
    mask broadcast router dns domain hostname lease serverid message
    staticroutes msstaticroutes search ntpsrv mtu ... in the environment;
    unknown options as optNNN=hex. Host names that fail validation are
    passed as "bad", as udhcpc does.

EXIT STATUS
    0 success, 1 no lease with -n or a fatal error, 2 bad usage.
"""

# --- option names (udhcpc's) ---------------------------------------------
# kind: a = addresses, u8/u16/u32/s32, s = string, h = host name(s) (validated),
# r = RFC 3442 routes, p = address pairs, d = RFC 1035 domain list.
OPTS = {
    1: ("subnet", "a"), 2: ("timezone", "s32"), 3: ("router", "a"), 4: ("timesrv", "a"),
    5: ("namesrv", "a"), 6: ("dns", "a"), 7: ("logsrv", "a"), 8: ("cookiesrv", "a"),
    9: ("lprsrv", "a"), 12: ("hostname", "h"), 13: ("bootsize", "u16"), 15: ("domain", "h"),
    16: ("swapsrv", "a"), 17: ("rootpath", "s"), 23: ("ipttl", "u8"), 26: ("mtu", "u16"),
    28: ("broadcast", "a"), 33: ("routes", "p"), 40: ("nisdomain", "h"), 41: ("nissrv", "a"),
    42: ("ntpsrv", "a"), 44: ("wins", "a"), 51: ("lease", "u32"), 54: ("serverid", "a"),
    56: ("message", "s"), 66: ("tftp", "s"), 67: ("bootfile", "s"), 100: ("tzstr", "s"),
    101: ("tzdbstr", "s"), 119: ("search", "d"), 120: ("sipsrv", "s"),
    121: ("staticroutes", "r"), 132: ("vlanid", "u16"), 133: ("vlanpriority", "u8"),
    209: ("pxeconffile", "s"), 210: ("pxepathprefix", "s"), 211: ("reboottime", "u32"),
    249: ("msstaticroutes", "r"), 252: ("wpad", "s"),
}
NOT_IN_ENV = (0, 52, 53, 55, 255)
INT_SIZE = {"u8": 1, "u16": 2, "u32": 4, "s32": 4}


def opt_code(name):
    """Option code for a udhcpc option name or a number (decimal or 0x..)."""
    for code, (n, _) in OPTS.items():
        if n == name:
            return code
    try:
        code = int(name, 0)
    except ValueError:
        raise ValueError("unknown option {!r}".format(name))
    if not 1 <= code <= 254:
        raise ValueError("option {} not in 1..254".format(code))
    return code


def opt_value(code, val):
    """Wire bytes for -x OPT:VAL: typed for known options, else hex (or a quoted string)."""
    kind = OPTS.get(code, (None, None))[1]
    if kind in ("a",):
        return b"".join(socket.inet_aton(v) for v in val.split())
    if kind in INT_SIZE:
        return int(val, 0).to_bytes(INT_SIZE[kind], "big", signed=kind == "s32")
    if kind in ("s", "h"):
        return val.encode()
    if len(val) >= 2 and val[0] == val[-1] and val[0] in "\"'":
        return val[1:-1].encode()
    return bytes.fromhex(val)


def good_hostname(s):
    """udhcpc's check for host-name options: dot-separated labels of letters,
    digits, '-' and '_', each starting with a letter or digit, 1..63 long."""
    if not s or len(s) > 253:
        return False
    labels = s.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels = labels[:-1]
    for lab in labels:
        if not 0 < len(lab) <= 63 or not lab[0].isalnum() or not lab.isascii():
            return False
        for ch in lab:
            if not (ch.isalnum() or ch in "-_"):
                return False
    return True


def _text(raw):
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _addrs(raw):
    return " ".join(addr_str(raw[i:i + 4]) for i in range(0, len(raw) - 3, 4))


def _routes(raw):
    from dhcp4c.values import decode_routes    # MalformedError: left out
    return " ".join("{}/{} {}".format(addr_str(dst), width, addr_str(gw))
                    for dst, width, gw in decode_routes(raw))


def _domains(raw):
    from dhcp4c.values import decode_domains
    names = decode_domains(raw)
    return " ".join(n if good_hostname(n) else "bad" for n in names)


def env_value(code, raw):
    """udhcpc's text for one option value; None to leave it out."""
    kind = OPTS[code][1]
    try:
        if kind == "a":
            return _addrs(raw) if raw and len(raw) % 4 == 0 else None
        if kind in INT_SIZE:
            if len(raw) != INT_SIZE[kind]:
                return None
            return str(int.from_bytes(raw, "big", signed=kind == "s32"))
        if kind == "h":
            t = _text(raw)
            return t if good_hostname(t) else "bad"
        if kind == "s":
            return _text(raw)
        if kind == "p":
            if not raw or len(raw) % 8:
                return None
            return " ".join("{}/{}".format(addr_str(raw[i:i + 4]), addr_str(raw[i + 4:i + 8]))
                            for i in range(0, len(raw), 8))
        if kind == "r":
            return _routes(raw)
        if kind == "d":
            return _domains(raw)
    except (ValueError, IndexError, MalformedError):
        return None
    return None


def _prefix(mask):
    n = int.from_bytes(mask, "big")
    return bin(n).count("1")


def script_env(iface, lease, header=None, message=None):
    """The environment udhcpc gives its script for `lease` (a dhcp4c Lease):
    interface ip siaddr sname boot_file subnet mask ... optNNN."""
    env = {"interface": iface}
    if message is not None:
        env["message"] = message
    if lease is None:
        return env
    env["ip"] = addr_str(lease.address)
    if header is not None:
        env["siaddr"] = addr_str(header.siaddr)
        for name, val in (("sname", header.sname), ("boot_file", header.file)):
            if val:
                t = _text(val) if isinstance(val, (bytes, bytearray)) else str(val)
                env[name] = t if t.isprintable() else "bad"
    for code in sorted(lease.options):
        if code in NOT_IN_ENV:
            continue
        raw = bytes(lease.options[code])
        if code in OPTS:
            v = env_value(code, raw)
            if v is not None:
                env[OPTS[code][0]] = v
        else:
            env["opt{}".format(code)] = raw.hex()
    if lease.mask is not None:
        env["subnet"] = addr_str(lease.mask)
        env["mask"] = str(_prefix(lease.mask))
    return env


# --- flags -------------------------------------------------------------------

class Usage(Exception):
    pass


SHORT_ARG = "ciHhpsrtTAOxVF"       # take a value
SHORT_FLAG = "fbnqRBCSo"           # no value; 'a' takes an optional attached value
LONG = {
    "clientid": "c", "clientid-none": "C", "vendorclass": "V", "hostname": "H", "fqdn": "F",
    "interface": "i", "now": "n", "pidfile": "p", "quit": "q", "request": "r",
    "release": "R", "script": "s", "timeout": "T", "retries": "t", "tryagain": "A",
    "syslog": "S", "request-option": "O", "no-default-options": "o", "foreground": "f",
    "background": "b", "broadcast": "B", "arping": "a", "leasefile": "leasefile",
    "control": "control",
    "halp": "help", "help": "help",
}


def default_ip():
    """manifest.json's default_ip, from next to this module or the repository root."""
    for d in (HERE, HERE + "/..", sys.prefix + "/share/dhcp4c"):
        p = d + "/manifest.json"
        if _exists(p):
            try:
                with open(p) as f:
                    return manifest_default_ip(f.read())
            except (OSError, ValueError):
                return None
    return None


def manifest_default_ip(text):
    """The "default_ip" value of manifest.json's text: a dotted quad or None.
    A two-line scan instead of json (whose import costs ~5 ms of start-up)."""
    at = text.find('"default_ip"')
    if at < 0:
        return None
    rest = text[at + 12:].lstrip()
    if not rest.startswith(":"):
        raise ValueError("manifest.json: default_ip")
    rest = rest[1:].lstrip()
    if rest.startswith("null"):
        return None
    if not rest.startswith('"'):
        raise ValueError("manifest.json: default_ip")
    return rest[1:rest.index('"', 1)]


def parse_args(argv):
    """udhcpc's flags -> dict. Raises Usage("one line") on a bad flag or value."""
    o = {"c": None, "C": False, "H": None, "F": None, "V": None, "i": "eth0", "p": None,
         "s": None, "r": None, "t": 3, "T": 3, "A": 20, "O": [], "x": [], "a": None,
         "leasefile": None, "control": None, "help": False}
    for f in SHORT_FLAG:
        o[f] = False
    r_given = False
    args = list(argv)
    i = 0

    def value(flag, v):
        nonlocal r_given
        if flag == "h":
            flag = "H"
        if flag in "tTA":
            try:
                n = int(v)
            except ValueError:
                raise Usage("-{}: not a number: {!r}".format(flag, v))
            if n < (1 if flag == "T" else 0):
                raise Usage("-{}: out of range: {}".format(flag, v))
            o[flag] = n
        elif flag == "r":
            try:
                ok = parse_addr(v) is not None
            except MalformedError:
                ok = False
            if not ok:
                raise Usage("-r: not an IPv4 address: {!r}".format(v))
            o["r"] = v
            r_given = True
        elif flag == "O":
            try:
                o["O"].append(opt_code(v))
            except ValueError as e:
                raise Usage("-O: {}".format(e))
        elif flag == "x":
            name, sep, val = v.partition(":")
            if not sep:
                raise Usage("-x: expected OPT:VAL, got {!r}".format(v))
            try:
                code = opt_code(name)
                o["x"].append((code, opt_value(code, val)))
            except (ValueError, OSError, OverflowError) as e:
                raise Usage("-x: bad value {!r}: {}".format(v, e))
        elif flag == "a":
            try:
                o["a"] = int(v) if v != "" else 2000
            except ValueError:
                raise Usage("-a: not a number: {!r}".format(v))
            if o["a"] < 0:
                raise Usage("-a: out of range: {}".format(v))
        elif flag == "i":
            if not v or len(v) > 15 or "/" in v or v in (".", ".."):
                raise Usage("-i: bad interface name: {!r}".format(v))
            o["i"] = v
        else:
            o[flag] = v

    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            if i < len(args):
                raise Usage("unexpected argument: {!r}".format(args[i]))
            break
        if a.startswith("--"):
            name, eq, v = a[2:].partition("=")
            key = LONG.get(name)
            if key is None:
                raise Usage("unknown option: --{}".format(name))
            if key == "help":
                o["help"] = True
            elif key == "a":
                value("a", v if eq else "")
            elif key in SHORT_FLAG:
                if eq:
                    raise Usage("--{} takes no value".format(name))
                o[key] = True
            else:
                if not eq:
                    if i >= len(args):
                        raise Usage("--{} needs a value".format(name))
                    v = args[i]
                    i += 1
                if key in ("leasefile", "control"):
                    o[key] = v
                else:
                    value(key, v)
            continue
        if not a.startswith("-") or a == "-":
            raise Usage("unexpected argument: {!r}".format(a))
        j = 1
        while j < len(a):
            f = a[j]
            j += 1
            if f in SHORT_FLAG:
                o[f] = True
            elif f == "a":
                value("a", a[j:])
                break
            elif f in SHORT_ARG:
                v = a[j:]
                if not v:
                    if i >= len(args):
                        raise Usage("-{} needs a value".format(f))
                    v = args[i]
                    i += 1
                value(f, v)
                break
            else:
                raise Usage("unknown option: -{}".format(f))
    if not r_given and not o["help"]:
        o["r"] = default_ip()
    return o


def config_from(o):
    """dhcp4c Config for parsed flags."""
    cid = "hw"
    if o["C"]:
        cid = None
    elif o["c"] is not None:
        cid = o["c"].encode()
    prl = [] if o["o"] else list(DEFAULT_PRL)
    for c in o["O"]:
        if c not in prl:
            prl.append(c)
    extra = [(c, v) for c, v in o["x"] if c not in (12, 60, 61, 81)]
    cfg = dict(requested=parse_addr(o["r"]) if o["r"] else None, client_id=cid,
               hostname=o["H"], fqdn=o["F"], vendor_class=o["V"], prl=tuple(prl),
               extra=tuple(extra), tries=o["t"], timeout=o["T"], pause=o["A"])
    for c, v in o["x"]:     # -x for an option that has its own flag sets it
        key = {12: "hostname", 60: "vendor_class", 61: "client_id", 81: "fqdn"}.get(c)
        if key:
            cfg[key] = v
    return Config(**cfg)


# --- sockets -----------------------------------------------------------------

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 8
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26
SO_BINDTODEVICE = 25
IP_FREEBIND = 15
BCAST_MAC = b"\xff" * 6

# Classic BPF on the network header (SOCK_DGRAM): IPv4, UDP, not a fragment,
# destination port 68.
_BPF = (
    (0x30, 0, 0, 9),          # ldb [9]            protocol
    (0x15, 0, 6, 17),         # jeq #17 (UDP)      else drop
    (0x28, 0, 0, 6),          # ldh [6]            flags/fragment offset
    (0x45, 4, 0, 0x1FFF),     # jset #0x1fff       fragment: drop
    (0xB1, 0, 0, 0),          # ldxb 4*([0]&0xf)   IP header length
    (0x48, 0, 0, 2),          # ldh [x+2]          UDP destination port
    (0x15, 0, 1, 68),         # jeq #68            else drop
    (0x06, 0, 0, 0x40000),    # ret: accept
    (0x06, 0, 0, 0),          # ret: drop
)


def _host_int(data, at, size, signed=False):
    """The integer in host byte order at data[at:at + size] (netlink, auxdata)."""
    return int.from_bytes(data[at:at + size], sys.byteorder, signed=signed)


def attach_bpf(sock, prog):
    # struct sock_filter { u16 code; u8 jt, jf; u32 k; } in host byte order.
    bo = sys.byteorder
    code = b"".join(c.to_bytes(2, bo) + bytes((jt, jf)) + k.to_bytes(4, bo)
                    for c, jt, jf, k in prog)
    # struct sock_fprog { u16 len; struct sock_filter *filter; } needs the
    # address of the instructions. On CPython a bytes object's data sits at
    # id(b) + offsetof(PyBytesObject, ob_sval) = sys.getsizeof(b"") - 1, which
    # costs nothing; elsewhere array.buffer_info() (its import pulls in
    # collections.abc, ~4 ms). Never ctypes (heavier still). The kernel copies
    # the program during setsockopt; `code` stays referenced until then.
    if sys.implementation.name == "cpython":
        addr = id(code) + sys.getsizeof(b"") - 1
    else:
        import array
        code = array.array("B", code)
        addr = code.buffer_info()[0]
    ptr = 8 if sys.maxsize > 2 ** 32 else 4     # the pointer is aligned to its size
    fprog = len(prog).to_bytes(2, bo) + bytes(ptr - 2) + addr.to_bytes(ptr, bo)
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    return code


def open_packet(iface):
    """The packet socket for one interface: bound, filtered, non-blocking, auxdata on."""
    # Protocol 0 at socket(): no packet hook is registered until bind(), so
    # bind() does not have to unhook one first (synchronize_net(), ~10 ms),
    # and nothing can be queued before the filter is attached.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    try:
        attach_bpf(s, _BPF)
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.bind((iface, ETH_P_IP))
        s.setblocking(False)
        while True:    # anything queued before the filter was attached
            try:
                s.recv(4096)
            except BlockingIOError:
                break
    except BaseException:
        s.close()
        raise
    return s


def open_udp(iface, addr):
    """Kernel UDP socket on addr:68, bound to the interface (IP_FREEBIND: the
    script may not have configured the address yet)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
        s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
        s.bind((addr_str(addr), 68))
        s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


def open_netlink():
    # A plain AF_NETLINK socket joined to RTMGRP_LINK: no dependency (pyroute2
    # would cost ~100 ms of imports and a package) and ~30 lines to parse the
    # two messages we need (RTM_NEWLINK/RTM_DELLINK: index, flags, name).
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    try:
        s.bind((0, 1))    # RTMGRP_LINK
        s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


IFF_UP = 0x1
IFF_RUNNING = 0x40


def parse_link_events(data):
    """[(type, index, flags, name)] of RTM_NEWLINK (16) / RTM_DELLINK (17) messages."""
    out, i = [], 0
    while i + 16 <= len(data):
        ln, typ = _host_int(data, i, 4), _host_int(data, i + 4, 2)   # struct nlmsghdr
        if ln < 16 or i + ln > len(data):
            break
        if typ in (16, 17) and ln >= 32:
            # struct ifinfomsg { u8 family, pad; u16 type; s32 index; u32 flags; u32 change; }
            index = _host_int(data, i + 20, 4, signed=True)
            flags = _host_int(data, i + 24, 4)
            name, j = None, i + 32
            while j + 4 <= i + ln:
                alen, atype = _host_int(data, j, 2), _host_int(data, j + 2, 2)   # struct rtattr
                if alen < 4:
                    break
                if atype == 3:   # IFLA_IFNAME
                    name = data[j + 4:j + alen].split(b"\0", 1)[0].decode(errors="replace")
                j += (alen + 3) & ~3
            out.append((typ, index, flags, name))
        i += (ln + 3) & ~3
    return out


def link_running(iface):
    try:
        with open("/sys/class/net/{}/operstate".format(iface)) as f:
            st = f.read().strip()
        with open("/sys/class/net/{}/flags".format(iface)) as f:
            fl = int(f.read().strip(), 0)
    except (OSError, ValueError):
        return False
    return bool(fl & IFF_UP) and st in ("up", "unknown")


class ArpProbe:
    """RFC 5227 §2.1.1 probes for `addr` without blocking the daemon: the
    main loop polls `sock` (readable -> readable()) and calls tick(now) at
    next_deadline(). `conflict` is None while probing, then True (another
    host answered for the address or probes it too) or False.

    Timing is udhcpc's -a MSEC (default 2000): three probes spread over MSEC,
    a conflict counted until MSEC has passed - shorter than RFC 5227's
    PROBE_WAIT + 3 x PROBE_MIN..PROBE_MAX + ANNOUNCE_WAIT (~4-7 s), as udhcpc
    users expect; -a 7000 comes close to the RFC's total."""
    PROBES = 3

    def __init__(self, iface, mac, addr, msec, now):
        self.iface, self.mac, self.addr = iface, mac, addr
        self.conflict = None
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ARP))
        try:
            self.sock.bind((iface, ETH_P_ARP))
            self.sock.setblocking(False)
        except BaseException:
            self.sock.close()
            raise
        # ARP request (RFC 826): Ethernet (1), IPv4, 6- and 4-byte addresses;
        # sender IP 0.0.0.0 and target MAC zero for a probe (RFC 5227 §2.1.1).
        self.probe = (b"\x00\x01\x08\x00\x06\x04\x00\x01" + bytes(mac) + bytes(4)
                      + bytes(6) + bytes(addr))
        self.end = now + msec
        self.step = max(1, msec // self.PROBES)
        self.sent = 0
        self.next_probe = now
        self.tick(now)

    def next_deadline(self):
        if self.conflict is not None:
            return None
        return min(self.next_probe, self.end) if self.sent < self.PROBES else self.end

    def tick(self, now):
        if self.conflict is not None:
            return
        if self.sent < self.PROBES and now >= self.next_probe:
            try:
                self.sock.sendto(self.probe, (self.iface, ETH_P_ARP, 0, 0, BCAST_MAC))
            except OSError:
                pass        # a lost probe is a lost probe; the others still go
            self.sent += 1
            self.next_probe = now + self.step
        if now >= self.end:
            self.conflict = False

    def readable(self):
        while self.conflict is None:
            try:
                pkt = self.sock.recv(128)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if len(pkt) < 28:
                continue
            op, sha, spa, tpa = pkt[7] | pkt[6] << 8, pkt[8:14], pkt[14:18], pkt[24:28]
            if sha == self.mac:
                continue
            if spa == self.addr or (op == 1 and spa == b"\0" * 4 and tpa == self.addr):
                self.conflict = True

    def close(self):
        self.sock.close()


# --- the daemon ------------------------------------------------------------

QUIET_MS = 100


def now_ms():
    return int(time.monotonic() * 1000)


class Daemon:
    """The main loop around one Client. `handlers` maps extra fds (e.g. the
    control socket, issue 5) to callables handler(daemon, fd, events)."""

    def __init__(self, o):
        self.o = o
        self.iface = o["i"]
        self.log_syslog = o["S"]
        self.pkt = None
        self.udp = None
        self.udp_addr = None
        self.nl = None
        self.reopen_at = None
        self.backoff = 100
        self.handlers = {}
        self.control = None         # dhcpc_control.ControlServer
        # Events until the control socket starts (at the first quiet moment,
        # see run()), handed to it then; None once started or when disabled.
        self.early_events = [] if o["control"] != "" else None
        self.signals = []
        self.header = None          # the header of the last DHCP message received
        self.script_pid = None      # a script run not waited for yet (reap_script)
        self.arp = None             # (ArpProbe, lease, header) while -a probes
        self.exit_code = None
        self.forked = False
        self.got_lease = False
        self.counters = {"bad_checksum": 0, "malformed_ip": 0, "send_errors": 0}
        lf = o["leasefile"]
        self.leasefile = ("/var/lib/dhcpc/{}.lease".format(self.iface) if lf is None
                          else (lf or None))
        s = o["s"]
        if s is None:
            self.script = [default_script()]
            self.script_sh = True
        else:
            self.script = [s]
            self.script_sh = False

    # logging
    def log(self, msg, prio="info"):
        sys.stderr.write("{}: {}\n".format(PROG, msg))
        if self.log_syslog:
            import syslog
            syslog.syslog(getattr(syslog, "LOG_" + prio.upper(), syslog.LOG_INFO),
                          "{}: {}".format(self.iface, msg))

    # sockets
    def ensure_packet(self, now):
        if self.pkt is not None:
            return True
        if self.reopen_at is not None and now < self.reopen_at:
            return False
        try:
            self.pkt = open_packet(self.iface)
        except OSError as e:
            self.reopen_at = now + self.backoff
            self.backoff = min(self.backoff * 2, 5000)
            self.log("cannot open packet socket on {}: {}".format(self.iface, e), "warning")
            return False
        self.reopen_at = None
        self.backoff = 100
        self.poll.register(self.pkt, select.POLLIN)
        return True

    def close_packet(self, now, backoff=True):
        if self.pkt is not None:
            self.poll.unregister(self.pkt)
            self.pkt.close()
            self.pkt = None
        if backoff:
            self.reopen_at = now + self.backoff
            self.backoff = min(self.backoff * 2, 5000)

    def set_udp(self, addr):
        if addr == self.udp_addr and self.udp is not None:
            return
        self.close_udp()
        if addr is None:
            return
        try:
            self.udp = open_udp(self.iface, addr)
            self.udp_addr = addr
            self.poll.register(self.udp, select.POLLIN)
        except OSError as e:
            self.log("cannot open UDP socket on {}: {}".format(addr_str(addr), e), "warning")

    def close_udp(self):
        if self.udp is not None:
            self.poll.unregister(self.udp)
            self.udp.close()
        self.udp = None
        self.udp_addr = None

    def send(self, now, payload, dst):
        if dst is not None and self.udp is not None:
            try:
                self.udp.sendto(payload, (addr_str(dst), 67))
                return
            except OSError as e:
                # No route to the server (e.g. a script that did not configure
                # the address): unicast IP in an Ethernet broadcast frame.
                self.log("unicast via UDP socket: {}; using the packet socket".format(e), "debug")
        try:
            if not self.ensure_packet(now):
                raise OSError("no packet socket")
            src = bytes(payload[12:16])      # ciaddr: 0.0.0.0 unless a lease is held
            dst4 = dst if dst is not None else b"\xff\xff\xff\xff"
            pkt = build_ip_udp(src, dst4, 68, 67, payload)
            self.pkt.sendto(pkt, (self.iface, ETH_P_IP, 0, 0, BCAST_MAC))
        except OSError as e:
            self.counters["send_errors"] += 1
            self.client.send_failed(now, str(e))
            self.close_packet(now)

    def read_packet(self, now):
        while self.pkt is not None:
            try:
                data, anc, _, addr = self.pkt.recvmsg(4096, 64)
            except BlockingIOError:
                return
            except OSError as e:
                self.log("packet socket: {}".format(e), "warning")
                self.close_packet(now)
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            check = True
            for level, typ, cdata in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 4:
                    if _host_int(cdata, 0, 4) & TP_STATUS_CSUMNOTREADY:   # tp_status
                        check = False
            try:
                src, _, _, dport, payload = parse_ip_udp(data, check_udp=check)
            except MalformedError as e:
                key = "bad_checksum" if "checksum" in str(e) else "malformed_ip"
                self.counters[key] += 1
                continue
            if dport != 68:
                continue
            self.last_payload = payload
            self.client.receive(payload, now, src)

    def drain_udp(self):
        # Replies are read on the packet socket; this one only has to exist.
        while self.udp is not None:
            try:
                self.udp.recv(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return

    def read_netlink(self, now):
        while True:
            try:
                data = self.nl.recv(65536)
            except BlockingIOError:
                return
            except OSError as e:
                self.log("netlink: {}".format(e), "warning")
                return
            for typ, index, flags, name in parse_link_events(data):
                if name != self.iface:
                    continue
                up = typ == 16 and flags & IFF_UP and flags & IFF_RUNNING
                if up and not self.link_up:
                    self.link_up = True
                    self.log("link up")
                    self.close_packet(now, backoff=False)
                    self.ensure_packet(now)
                    self.client.link_up(now)
                elif not up and self.link_up:
                    self.link_up = False
                    self.log("link down")
                    self.client.link_down(now)
                if typ == 17:
                    self.log("interface gone")
                    self.close_packet(now, backoff=False)
                    self.close_udp()

    # script
    def run_script(self, action, lease=None, message=None, header=None, wait=True):
        """PROG action, waited for (the next action must see its effect);
        wait=False for the first deconfig, which runs while DORA is on the
        wire and is reaped before the next action starts (reap_script)."""
        self.reap_script(block=True)
        # Our own environment (posix.environ's bytes decoded as os.environ
        # does), nothing stale from it.
        enc, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
        env = {}
        for k, v in posix.environ.items():
            k = k.decode(enc, errors)
            if k not in ("ip", "mask", "subnet", "router", "dns", "domain", "message", "lease",
                         "serverid", "broadcast", "hostname", "siaddr", "sname", "boot_file"):
                env[k] = v.decode(enc, errors)
        env.update(script_env(self.iface, lease, header, message))
        cmd = (["/bin/sh"] if self.script_sh else []) + self.script + [action]
        # posix_spawn, an argv list and values only in the environment: no
        # shell ever parses anything from the network. (subprocess would cost
        # ~15 ms of imports before the first lease.) Our fds are O_CLOEXEC.
        try:
            pid = posix.posix_spawnp(cmd[0], cmd, env, file_actions=[
                (posix.POSIX_SPAWN_OPEN, 0, "/dev/null", posix.O_RDONLY, 0)])
        except OSError as e:
            self.log("script {} {}: {}".format(self.script[0], action, e), "warning")
            return
        self.script_pid = pid
        if wait:
            self.reap_script(block=True)

    def reap_script(self, block):
        """Collect the script still running (if any); block=False only looks."""
        while self.script_pid is not None:
            try:
                pid, _ = posix.waitpid(self.script_pid, 0 if block else posix.WNOHANG)
            except InterruptedError:
                continue
            except ChildProcessError:
                pid = self.script_pid
            if pid:
                self.script_pid = None
            return

    # lease file
    def save_lease(self, lease, now):
        if not self.leasefile:
            return
        import os   # after the bound script has started: not on the way to the lease
        try:
            d = os.path.dirname(self.leasefile)
            if d:
                os.makedirs(d, exist_ok=True)
            tmp = self.leasefile + ".tmp"
            with open(tmp, "w") as f:
                f.write(lease.to_text(now, int(time.time())) + "\n")
            os.replace(tmp, self.leasefile)
        except OSError as e:
            self.log("lease file {}: {}".format(self.leasefile, e), "warning")

    def load_lease(self, now):
        if not self.leasefile:
            return None
        try:
            with open(self.leasefile) as f:
                lease = Lease.from_text(f.read(), now, int(time.time()))
        except (OSError, ValueError):
            return None
        if lease.expired(now):
            self.log("stored lease for {} has expired".format(addr_str(lease.address)))
            self.drop_lease_file()
            return None
        return lease

    def drop_lease_file(self):
        if self.leasefile:
            try:
                posix.unlink(self.leasefile)
            except OSError:
                pass

    # events
    def header_of_last(self):
        try:
            from dhcp4c.message import decode
            return decode(self.last_payload)
        except (AttributeError, ValueError):
            return None

    def handle(self, e, now):
        o = self.o
        if self.control is not None:
            self.control.on_event(e, now)
        elif self.early_events is not None and len(self.early_events) < 64:
            self.early_events.append((now, e))
        t = e.type
        if (t in (E.LEASE_ACQUIRED, E.LEASE_LOST, E.NAK_RECEIVED)
                or t == E.STATE_CHANGED and e.new != S.BOUND):
            self.stop_arp()     # the lease being probed is gone or replaced
        if t == E.LEASE_ACQUIRED:
            lease = e.lease
            if o["a"] is not None and o["a"] > 0:
                self.start_arp(lease, now)
                return
            self.bound(lease, self.header_of_last(), now)
        elif t in (E.LEASE_RENEWED, E.LEASE_CHANGED):
            self.log("lease of {} renewed, lease time {}".format(
                addr_str(e.lease.address), e.lease.lease_time))
            self.run_script("renew", e.lease, header=self.header_of_last())
            self.set_udp(e.lease.address)
            self.save_lease(e.lease, now)
        elif t == E.LEASE_LOST:
            self.log("lease of {} lost ({})".format(addr_str(e.lease.address), e.why))
            self.close_udp()
            self.drop_lease_file()
            self.run_script("deconfig")
        elif t == E.NAK_RECEIVED:
            self.log("received NAK from {}".format(addr_str(e.server_id)), "warning")
            self.run_script("nak", message=e.message or "")
        elif t == E.STATE_CHANGED:
            if e.why in (S.NO_OFFER, S.NO_ACK) and e.new == S.INIT:
                self.log("no lease, failing")
                self.run_script("leasefail")
                if not self.got_lease:
                    if o["n"]:
                        self.exit_code = 1
                    elif o["b"]:
                        self.daemonize()
            elif e.new == S.SELECTING:
                self.log("sending discover")
        elif t == E.OFFER_REJECTED:
            self.log("offer of {} rejected: {}".format(addr_str(e.yiaddr), e.reason))
        elif t == E.ERROR:
            self.log("{}: {}".format(e.kind, e.reason), "warning")

    def bound(self, lease, header, now):
        o = self.o
        self.log("lease of {} obtained from {}, lease time {}".format(
            addr_str(lease.address), addr_str(lease.server_id), lease.lease_time))
        self.run_script("bound", lease, header=header)
        self.set_udp(lease.address)
        self.save_lease(lease, now)
        self.got_lease = True
        if o["q"]:
            if o["R"]:
                self.client.release(now_ms())
            self.exit_code = 0
        elif not o["f"]:
            self.daemonize()

    # ARP check (-a): the probe runs inside the main loop (signals, the
    # control socket and timers are served meanwhile); arp_done() acts on it.
    def start_arp(self, lease, now):
        try:
            probe = ArpProbe(self.iface, self.client.mac, lease.address, self.o["a"], now)
        except OSError as e:
            self.log("ARP check: {}; not checked".format(e), "warning")
            self.bound(lease, self.header_of_last(), now)
            return
        self.arp = (probe, lease, self.header_of_last())
        self.handlers[probe.sock.fileno()] = lambda d, fd, ev: probe.readable()
        self.poll.register(probe.sock, select.POLLIN)
        self.arp_done(now)

    def stop_arp(self):
        if self.arp is not None:
            probe = self.arp[0]
            self.poll.unregister(probe.sock)
            del self.handlers[probe.sock.fileno()]
            probe.close()
            self.arp = None

    def arp_done(self, now):
        """Acts on a finished probe: DECLINE on a conflict, else bound."""
        if self.arp is None:
            return
        probe, lease, header = self.arp
        probe.tick(now)
        if probe.conflict is None:
            return
        self.stop_arp()
        if probe.conflict:
            self.log("{} is in use (ARP): declining".format(addr_str(lease.address)), "warning")
            self.client.decline(now, "address in use")
        else:
            self.bound(lease, header, now)

    def daemonize(self):
        if self.forked or self.o["f"]:
            return
        self.forked = True
        child = posix.fork()
        if child:
            # The pidfile names the child before the parent exits, so whoever
            # waited for the parent finds the daemon's pid at once.
            self.write_pidfile(child)
            posix._exit(0)
        posix.setsid()
        fd = posix.open("/dev/null", posix.O_RDWR)
        for i in (0, 1, 2):
            posix.dup2(fd, i)
        if fd > 2:
            posix.close(fd)

    def write_pidfile(self, pid=None):
        p = self.o["p"]
        if p:
            # Written beside and renamed: a reader never sees it half-written.
            tmp = "{}.{}.tmp".format(p, posix.getpid())
            try:
                with open(tmp, "w") as f:
                    f.write("{}\n".format(pid or posix.getpid()))
                posix.replace(tmp, p)
            except OSError as e:
                self.log("pidfile {}: {}".format(p, e), "warning")

    def start_control(self):
        early, self.early_events = self.early_events, None
        if HERE not in sys.path:
            sys.path.append(HERE)
        import dhcpc_control
        self.control = dhcpc_control.start(
            self, self.o["control"] or dhcpc_control.default_path(self.iface), now_ms)
        if self.control is not None:
            for t, e in early:
                self.control.on_event(e, t)

    def on_signal(self, signum, frame):
        self.signals.append(signum)

    def flush(self):
        c = self.client
        while True:
            d = c.next_datagram()
            if d is not None:
                self.send(now_ms(), d[0], d[1])
                continue
            e = c.next_event()
            if e is None:
                return
            self.handle(e, now_ms())

    def do_signals(self, now):
        while self.signals:
            sig = self.signals.pop(0)
            c = self.client
            if sig == signal.SIGUSR1:
                self.log("SIGUSR1: renew")
                try:
                    c.renew(now)
                except UsageError:
                    try:
                        c.restart(now)
                    except UsageError as e:
                        self.log(str(e))
            elif sig == signal.SIGUSR2:
                self.log("SIGUSR2: release")
                c.release(now)
            elif sig in (signal.SIGTERM, signal.SIGINT):
                self.log("exiting")
                if self.o["R"]:
                    c.release(now)
                self.exit_code = 0

    def run(self):
        o = self.o
        self.poll = select.poll()
        now = now_ms()
        self.ensure_packet(now)
        if self.pkt is None:
            self.log("{}: no such interface".format(self.iface), "err")
            return 1
        mac = self.pkt.getsockname()[4]
        self.client = Client(mac, config_from(o), lambda: int.from_bytes(posix.urandom(4), "big"))
        rfd, wfd = posix.pipe()
        posix.set_blocking(rfd, False)
        posix.set_blocking(wfd, False)
        signal.set_wakeup_fd(wfd)
        for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.on_signal)
        self.poll.register(rfd, select.POLLIN)
        self.write_pidfile()
        lease = self.load_lease(now)
        self.client.start(now, lease)
        self.flush()     # the first DISCOVER goes out before anything else is set up
        # udhcpc's deconfig at start: it runs while the DISCOVER is answered
        # (~1 ms of the time to a lease otherwise); the bound/leasefail
        # call waits for it first.
        self.run_script("deconfig", wait=False)
        try:
            self.nl = open_netlink()
            self.poll.register(self.nl, select.POLLIN)
        except OSError as e:
            self.log("netlink: {}".format(e), "warning")
        self.link_up = link_running(self.iface)
        if not self.link_up:
            self.client.link_down(now_ms())
        try:
            while True:
                self.flush()
                if self.exit_code is not None:
                    break
                now = now_ms()
                dl = self.client.next_deadline()
                if self.pkt is None and self.reopen_at is not None and self.link_up:
                    dl = self.reopen_at if dl is None else min(dl, self.reopen_at)
                if self.arp is not None:
                    adl = self.arp[0].next_deadline()
                    if adl is not None:
                        dl = adl if dl is None else min(dl, adl)
                timeout = None if dl is None else max(0, dl - now)
                # The control socket starts after QUIET_MS without traffic
                # (DORA done, or no server): never on the way to a lease.
                quiet = self.early_events is not None and (timeout is None or
                                                           timeout >= QUIET_MS)
                if quiet:
                    timeout = QUIET_MS
                try:
                    ready = self.poll.poll(timeout)
                except InterruptedError:
                    ready = []
                if quiet and not ready:
                    self.start_control()
                now = now_ms()
                for fd, ev in ready:
                    if self.pkt is not None and fd == self.pkt.fileno():
                        self.read_packet(now)
                    elif self.udp is not None and fd == self.udp.fileno():
                        self.drain_udp()
                    elif self.nl is not None and fd == self.nl.fileno():
                        self.read_netlink(now)
                    elif fd == rfd:
                        try:
                            posix.read(rfd, 512)
                        except BlockingIOError:
                            pass
                    elif fd in self.handlers:
                        self.handlers[fd](self, fd, ev)
                self.do_signals(now)
                self.reap_script(block=False)
                self.arp_done(now_ms())
                if self.pkt is None and self.link_up:
                    self.ensure_packet(now)
                self.client.tick(now_ms())
        finally:
            self.reap_script(block=True)
            self.stop_arp()
            if self.control is not None:
                self.control.close()
            self.close_udp()
            self.close_packet(now_ms(), backoff=False)
            if self.nl is not None:
                self.nl.close()
            if o["p"] and self.exit_code is not None:
                try:
                    posix.unlink(o["p"])
                except OSError:
                    pass
        return self.exit_code


def default_script():
    """The shipped dhcpc.script: next to this module (repository, editable
    install), else under sys.prefix/share/dhcp4c (pip install)."""
    for d in (HERE, sys.prefix + "/share/dhcp4c"):
        p = d + "/dhcpc.script"
        if _exists(p):
            return p
    return HERE + "/dhcpc.script"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        o = parse_args(argv)
    except Usage as e:
        sys.stderr.write("{}: {}\n".format(PROG, e))
        return 2
    if o["help"]:
        sys.stdout.write(USAGE)
        return 0
    try:
        config_from(o)
    except UsageError as e:
        sys.stderr.write("{}: {}\n".format(PROG, e))
        return 2
    return Daemon(o).run()


if __name__ == "__main__":
    sys.exit(main())

"""The command line: udhcpc's flags -> options dict -> dhcp4c Config, the
manual (USAGE, --help), the -r default from manifest.json, and main().

The flag parser is hand-written, not argparse, and that is what keeps
start-up lean: argparse imports re, gettext, enum, os and collections, ~7 ms
(python3 -I -S -X importtime) before the first DISCOVER, which is the time a
DHCP client is measured by. udhcpc's short flags (clustered, values attached
or not, -a's optional attached value) and long options fit in one loop.
"""
import sys

from dhcp4c.client import DEFAULT_PRL, Config
from dhcp4c.errors import MalformedError, UsageError
from dhcp4c.lease import parse_addr

from . import HOST, PROG, _exists
from .daemon import Daemon
from .script import opt_code, opt_value

USAGE = """\
DHCPC(8)                        dhcp4c                        DHCPC(8)

NAME
    dhcpc - DHCPv4 client daemon (udhcpc-compatible flags and scripts)

SYNOPSIS
    dhcpc [-fbnqRBCSo] [-i IFACE] [-r IP] [-s PROG] [-p PIDFILE]
          [-c CLIENTID] [-H|-h HOSTNAME] [-V VENDOR] [-F NAME]
          [-t N] [-T SEC] [-A SEC] [-a[MSEC]] [-O OPT]... [-x OPT:VAL]...
          [--leasefile FILE] [--control PATH] [--inform IP]
          [--static IP/LEN[,ROUTER[,DNS...]] | --ipv4ll] [--fallback SEC]
          [--rapid-commit] [--v6only] [--clientid-rfc4361]

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
    -T, --timeout SEC       a fixed SEC seconds between them, as udhcpc;
                            without -T, RFC 2131's back-off: 4, 8, 16,
                            32, 64 s, each +-1 s at random
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
    --inform IP             IP is configured by other means: only ask for
                            the network's parameters (DHCPINFORM, RFC 2131
                            §3.4) and run the script with `inform`; no
                            lease is taken. SIGUSR1 asks again. -q exits
                            once answered, -n with 1 when nobody answers
    --static IP/LEN[,ROUTER[,DNS...]]
                            fallback: configure this profile when no lease
                            came (default: manifest.json's "fallback")
    --ipv4ll                fallback: an IPv4 link-local address (RFC
                            3927: 169.254.x.y from the MAC, ARP probe,
                            announce, defence)
    --fallback SEC          seconds without a lease before the fallback
                            (default 10). DISCOVER goes on; a lease later
                            replaces it. The script runs `fallback` with
                            ip, mask, subnet, router, dns and
                            fallback=static|ipv4ll
    --rapid-commit          RFC 4039: a two-message exchange, when a server
                            offers it (DISCOVER -> ACK). With several
                            servers each may commit an address to us;
                            all but one stay tied up until they expire
    --v6only                RFC 8925, for a host that can run without IPv4
                            (464XLAT): ask for option 108; a network that
                            prefers IPv6-only gets no IPv4 from us, the
                            script runs `v6only` ($v6only_wait s), then we
                            ask again
    --clientid-rfc4361      option 61 as RFC 4361 says: 255, IAID (the
                            MAC's last 4 bytes), DUID-LL from the MAC -
                            the identity a DHCPv6 client on it would use
    --halp, --help          this text

SIGNALS
    SIGUSR1 renew (or start over when no lease is held), SIGUSR2 release,
    SIGTERM exit (release first with -R).

SCRIPT
    Called as PROG ACTION with interface ip siaddr sname boot_file subnet
    mask broadcast router dns domain hostname lease serverid message
    staticroutes msstaticroutes search ntpsrv mtu ... in the environment;
    unknown options as optNNN=hex. Host names that fail validation are
    passed as "bad", as udhcpc does. In other text (string options,
    message, sname, boot_file) every byte that is not printable ASCII, or
    is one of $ ` ; & | < > ( ) ' " \\ %, is written %XX (hex).

EXIT STATUS
    0 success, 1 no lease with -n or a fatal error, 2 bad usage.
"""


class Usage(Exception):
    pass


SHORT_ARG = "ciHhpsrtTAOxVF"       # take a value
SHORT_FLAG = "fbnqRBCSo"           # no value; 'a' takes an optional attached value
LONG_FLAG = ("rapid-commit", "v6only", "clientid-rfc4361", "ipv4ll")   # ours, no value
LONG = {
    "clientid": "c", "clientid-none": "C", "vendorclass": "V", "hostname": "H", "fqdn": "F",
    "interface": "i", "now": "n", "pidfile": "p", "quit": "q", "request": "r",
    "release": "R", "script": "s", "timeout": "T", "retries": "t", "tryagain": "A",
    "syslog": "S", "request-option": "O", "no-default-options": "o", "foreground": "f",
    "background": "b", "broadcast": "B", "arping": "a", "leasefile": "leasefile",
    "control": "control", "inform": "inform", "rapid-commit": "rapid-commit",
    "v6only": "v6only", "clientid-rfc4361": "clientid-rfc4361", "ipv4ll": "ipv4ll",
    "static": "static", "fallback": "fallback",
    "halp": "help", "help": "help",
}


def default_ip(dirs=None):
    """manifest.json's default_ip, from next to this package, the repository
    root or <prefix>/share/dhcp4c as installed (or the first of `dirs` that
    has one). An unreadable file or a value that is not an IPv4 address is
    said in one line on stderr and ignored: no option 50, not a traceback."""
    if dirs is None:
        dirs = (HOST, HOST + "/..", sys.prefix + "/share/dhcp4c")
    for d in dirs:
        p = d + "/manifest.json"
        if _exists(p):
            try:
                with open(p) as f:
                    ip = manifest_default_ip(f.read())
                if ip is not None:
                    parse_addr(ip)
                return ip
            except (OSError, ValueError, UnicodeError) as e:  # MalformedError is a ValueError
                sys.stderr.write("{}: {}: default_ip ignored: {}\n".format(PROG, p, e))
                return None
    return None


FALLBACK_AFTER = 10     # s without a lease before the fallback, unless --fallback


def parse_static(v):
    """A static fallback profile, IP/LEN[,ROUTER[,DNS...]] (an empty ROUTER:
    none) -> {"address", "prefix", "router", "dns"}. Raises ValueError."""
    parts = v.split(",")
    ip, slash, plen = parts[0].partition("/")
    addr = parse_addr(ip) if ip != "-" else None
    if addr is None:
        raise ValueError("no address in {!r}".format(v))
    n = int(plen) if slash and plen.isdigit() else (24 if not slash else -1)
    if not 8 <= n <= 32:
        raise ValueError("prefix length {!r} not in 8..32".format(plen))
    router = parse_addr(parts[1]) if len(parts) > 1 and parts[1] not in ("", "-") else None
    dns = [parse_addr(x) for x in parts[2:] if x]
    if None in dns:
        raise ValueError("bad DNS server in {!r}".format(v))
    return {"address": addr, "prefix": n, "router": router, "dns": dns}


def manifest_fallback(dirs=None):
    """manifest.json's "fallback" ({"address": "IP/LEN", "router": IP,
    "dns": [IP...], "after": SEC}, or null) as (profile, after), else
    (None, None). Read with json only when the key is there (start-up
    time); a bad one is said in one line on stderr and ignored."""
    if dirs is None:
        dirs = (HOST, HOST + "/..", sys.prefix + "/share/dhcp4c")
    for d in dirs:
        p = d + "/manifest.json"
        if not _exists(p):
            continue
        try:
            with open(p) as f:
                text = f.read()
            if '"fallback"' not in text:
                return None, None
            import json
            fb = json.loads(text).get("fallback")
            if fb is None:
                return None, None
            spec = ",".join([fb["address"], fb.get("router") or ""] + list(fb.get("dns", ())))
            after = fb.get("after", FALLBACK_AFTER)
            if not isinstance(after, int) or after < 0:
                raise ValueError("after must be a number of seconds")
            return parse_static(spec), after
        except (OSError, ValueError, UnicodeError, KeyError, TypeError, AttributeError) as e:
            sys.stderr.write("{}: {}: fallback ignored: {}\n".format(PROG, p, e))
            return None, None
    return None, None


def manifest_default_ip(text):
    """The "default_ip" value of manifest.json's text: a dotted quad or None.
    A two-line scan instead of json (whose import costs ~5 ms of start-up)."""
    at = text.find('"default_ip"')
    if at < 0:
        return None
    rest = text[at + 12:].lstrip()
    if not rest.startswith(":"):
        raise ValueError("default_ip must be a string or null")
    rest = rest[1:].lstrip()
    if rest.startswith("null"):
        return None
    end = rest.find('"', 1)
    if not rest.startswith('"') or end < 0:
        raise ValueError("default_ip must be a string or null")
    return rest[1:end]


def parse_args(argv):
    """udhcpc's flags -> dict. Raises Usage("one line") on a bad flag or value."""
    o = {"c": None, "C": False, "H": None, "F": None, "V": None, "i": "eth0", "p": None,
         "s": None, "r": None, "t": 3, "T": None, "A": 20, "O": [], "x": [], "a": None,
         "leasefile": None, "control": None, "inform": None, "help": False,
         "static": None, "fallback": None}
    for f in LONG_FLAG:
        o[f] = False
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
            elif key in SHORT_FLAG or key in LONG_FLAG:
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
                elif key == "static":
                    try:
                        o[key] = parse_static(v)
                    except ValueError as e:
                        raise Usage("--static: {}".format(e))
                elif key == "fallback":
                    if not v.isdigit():
                        raise Usage("--fallback: not a number of seconds: {!r}".format(v))
                    o[key] = int(v)
                elif key == "inform":
                    try:
                        o[key] = parse_addr(v) if v != "-" else None
                    except ValueError:
                        o[key] = None
                    if o[key] is None:
                        raise Usage("--inform: not an IPv4 address: {!r}".format(v))
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
    if o["static"] is not None and o["ipv4ll"]:
        raise Usage("--static and --ipv4ll: choose one fallback")
    if o["static"] is None and not o["ipv4ll"] and not o["help"]:
        o["static"], after = manifest_fallback()
        if o["fallback"] is None:
            o["fallback"] = after
    if o["fallback"] is not None and o["static"] is None and not o["ipv4ll"]:
        raise Usage("--fallback: no fallback to take (--static or --ipv4ll)")
    if o["fallback"] is None and (o["static"] is not None or o["ipv4ll"]):
        o["fallback"] = FALLBACK_AFTER
    return o


def config_from(o):
    """dhcp4c Config for parsed flags."""
    cid = "hw"
    if o["C"]:
        cid = None
    elif o["clientid-rfc4361"]:
        cid = "rfc4361"
    elif o["c"] is not None:
        cid = o["c"].encode()
    prl = [] if o["o"] else list(DEFAULT_PRL)
    for c in o["O"]:
        if c not in prl:
            prl.append(c)
    extra = [(c, v) for c, v in o["x"] if c not in (12, 60, 61, 81)]
    cfg = dict(requested=parse_addr(o["r"]) if o["r"] else None, client_id=cid,
               hostname=o["H"], fqdn=o["F"], vendor_class=o["V"], prl=tuple(prl),
               extra=tuple(extra), tries=o["t"], timeout=o["T"], pause=o["A"],
               confirm=bool(o["a"]),     # -a: the ARP check runs before the lease is bound
               rapid_commit=o["rapid-commit"], v6only=o["v6only"],
               fallback=o["fallback"])
    for c, v in o["x"]:     # -x for an option that has its own flag sets it
        key = {12: "hostname", 60: "vendor_class", 61: "client_id", 81: "fqdn"}.get(c)
        if key:
            cfg[key] = v
    return Config(**cfg)


def main(argv=None):
    """Run dhcpc with `argv` (default sys.argv[1:]); returns the exit status."""
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
        config = config_from(o)
    except UsageError as e:
        sys.stderr.write("{}: {}\n".format(PROG, e))
        return 2
    return Daemon(o, config).run()

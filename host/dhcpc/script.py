"""The udhcpc script ABI: what `PROG deconfig|bound|renew|nak|leasefail` sees.

The action is the only argument; every value is in the environment, under
udhcpc's names (OPTS), unknown options as optNNN=hex and host names that fail
udhcpc's check as "bad", so no shell ever parses anything from the network.
This module owns that table - which -O and -x also name options by
(opt_code, opt_value) - the environment built from a lease (script_env,
script_environ) and where the shipped dhcpc.script is (default_script).

Running the script stays in the daemon (Daemon.run_script, reap_script): the
script is the daemon's child and its lifetime belongs to the main loop - the
first deconfig runs unwaited while DORA is on the wire and the loop reaps it,
each later action waits for the one before, and the last is reaped on exit.
This module only computes; it reads posix.environ and stats two paths.
"""
import posix
import sys

# The C module under `socket`: the wrapper imports enum (start-up time).
import _socket as socket

from dhcp4c.errors import MalformedError
from dhcp4c.lease import addr_str

from . import HOST, _exists

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


def script_environ(iface, lease=None, header=None, message=None):
    """The script's whole environment: ours (posix.environ's bytes decoded as
    os.environ does), nothing stale from it, and script_env()."""
    enc, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
    env = {}
    for k, v in posix.environ.items():
        k = k.decode(enc, errors)
        if k not in ("ip", "mask", "subnet", "router", "dns", "domain", "message", "lease",
                     "serverid", "broadcast", "hostname", "siaddr", "sname", "boot_file"):
            env[k] = v.decode(enc, errors)
    env.update(script_env(iface, lease, header, message))
    return env


def default_script():
    """The shipped dhcpc.script: next to this package (host/ in the
    repository, editable install), else under sys.prefix/share/dhcp4c (pip
    install)."""
    for d in (HOST, sys.prefix + "/share/dhcp4c"):
        p = d + "/dhcpc.script"
        if _exists(p):
            return p
    return HOST + "/dhcpc.script"

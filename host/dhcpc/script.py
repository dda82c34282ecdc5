"""The udhcpc script ABI: what `PROG deconfig|bound|renew|nak|leasefail` sees.

The action is the only argument; every value is in the environment, under
udhcpc's names (the script-name column of dhcp4c.values.OPTIONS, the one
option table), options without one as optNNN=hex, and host names that fail
udhcpc's check as "bad", so no shell ever parses anything from the network.
This module owns that environment, built from a lease (script_env,
script_environ), how -O and -x name and write options (opt_code,
opt_value), and where the shipped dhcpc.script is (default_script).

Running the script stays in the daemon (Daemon.run_script, reap_script): the
script is the daemon's child and its lifetime belongs to the main loop - the
first deconfig runs unwaited while DORA is on the wire and the loop reaps it,
each later action waits for the one before, and the last is reaped on exit.
This module only computes; it reads posix.environ and stats two paths.
dhcp4c.values (the table and the typed decoders) is imported when first
needed: not on the way to the first DISCOVER.
"""
import posix
import sys

# The C module under `socket`: the wrapper imports enum (start-up time).
import _socket as socket

from dhcp4c.errors import MalformedError
from dhcp4c.lease import addr_str

from . import HOST, _exists

NOT_IN_ENV = (0, 52, 53, 55, 255)


def opt_code(name):
    """Option code for -O/-x: a udhcpc option name, a display name, a number
    (decimal or 0x..) or optNNN. Raises ValueError for anything else."""
    from dhcp4c import values as V
    code = V.code(name)
    if code is None:
        raise ValueError("unknown option {!r} (a name, or a code in 1..254)".format(name))
    return code


def opt_value(code, val):
    """Wire bytes for -x OPT:VAL: typed for the options udhcpc names (as
    udhcpc does), else hex (or a quoted string)."""
    from dhcp4c import values as V
    kind = V.KINDS.get(code) if V.script_name(code) else None
    size = {V.U8: 1, V.U16: 2, V.U32: 4, V.S32: 4}.get(kind)
    if kind in (V.ADDR, V.ADDRS):
        return b"".join(socket.inet_aton(v) for v in val.split())
    if size:
        return int(val, 0).to_bytes(size, "big", signed=kind == V.S32)
    if kind in (V.TEXT, V.HOST):
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


# Characters a shell or a terminal could act on: never handed to a script
# as they are (CVE-2011-2716, CVE-2018-1111 were values reaching a shell).
_UNSAFE = "$`;&|<>()'\"\\%"


def safe_text(raw):
    """One rule for every free-text value a script receives (string options,
    the NAK's message, sname, boot_file): the text up to the first NUL, with
    each byte that is not printable ASCII, or is a shell metacharacter
    ($ ` ; & | < > ( ) ' " \\) or %, written as %XX (its hex, as in a URL:
    reversible, and nothing a shell or a terminal acts on)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    out = []
    for b in raw.split(b"\0", 1)[0]:
        c = chr(b)
        safe = c == " " or (0x20 < b < 0x7f and c not in _UNSAFE)
        out.append(c if safe else "%{:02X}".format(b))
    return "".join(out)


def _names(names):
    return " ".join(n if good_hostname(n) else "bad" for n in names)


def env_value(code, raw):
    """udhcpc's text for one option value, typed by the option table
    (dhcp4c.values.value); None to leave it out (a value of the wrong shape)."""
    from dhcp4c import values as V
    kind = V.KINDS[code]
    if kind == V.HOST:
        t = _text(raw)
        return t if good_hostname(t) else "bad"
    if kind == V.TEXT:
        return safe_text(raw)
    try:
        v = V.value(code, raw)
    except (ValueError, IndexError, MalformedError):   # MalformedError is a ValueError
        return None
    if kind == V.ADDR:
        return addr_str(v)
    if kind == V.ADDRS:
        return " ".join(addr_str(a) for a in v)
    if kind in (V.U8, V.U16, V.U32, V.S32):
        return str(v)
    if kind == V.PAIRS:
        return " ".join("{}/{}".format(addr_str(a), addr_str(b)) for a, b in v)
    if kind == V.ROUTES:
        return " ".join("{}/{} {}".format(addr_str(d), w, addr_str(g)) for d, w, g in v)
    if kind == V.DOMAINS:
        return _names(v)
    if kind == V.SIP:       # RFC 3361: names (encoding 0) or addresses (1)
        return _names(v[1]) if v[0] == 0 else " ".join(addr_str(a) for a in v[1])
    return None


def _prefix(mask):
    n = int.from_bytes(mask, "big")
    return bin(n).count("1")


def script_env(iface, lease, message=None):
    """The environment udhcpc gives its script for `lease` (a dhcp4c Lease):
    interface ip siaddr sname boot_file subnet mask ... optNNN."""
    from dhcp4c import values as V
    env = {"interface": iface}
    if message is not None:
        env["message"] = safe_text(message)
    if lease is None:
        return env
    env["ip"] = addr_str(lease.address)
    if lease.siaddr is not None:
        env["siaddr"] = addr_str(lease.siaddr)
    for name, val in (("sname", lease.sname), ("boot_file", lease.file)):
        if val:
            env[name] = safe_text(val)
    for code in sorted(lease.options):
        if code in NOT_IN_ENV:
            continue
        raw = bytes(lease.options[code])
        name = V.script_name(code)
        if name is not None:
            v = env_value(code, raw)
            if v is not None:
                env[name] = v
        else:
            env["opt{}".format(code)] = raw.hex()
    if lease.mask is not None:
        env["subnet"] = addr_str(lease.mask)
        env["mask"] = str(_prefix(lease.mask))
    return env


def script_environ(iface, lease=None, message=None):
    """The script's whole environment: ours (posix.environ's bytes decoded as
    os.environ does), nothing stale from it, and script_env()."""
    enc, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
    env = {}
    for k, v in posix.environ.items():
        k = k.decode(enc, errors)
        if k not in ("ip", "mask", "subnet", "router", "dns", "domain", "message", "lease",
                     "serverid", "broadcast", "hostname", "siaddr", "sname", "boot_file"):
            env[k] = v.decode(enc, errors)
    env.update(script_env(iface, lease, message))
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

"""`network` for the MicroPython unix port: the virtual board's NIC.

Implements the part of MicroPython's network NIC API the firmware uses, on a
Linux interface (the board runs inside a network namespace; see
scripts/vboard.py):

    nic = network.LAN("cli0")
    nic.active(True/False/None)   ip link set up/down; None: is it up?
    nic.isconnected()             carrier and operstate from /sys/class/net
    nic.status()                  1 connected, 0 not
    nic.config("mac")             6 bytes; config(hostname=...) stored
    nic.ifconfig((ip, mask, gw, dns)) / ifconfig()
    nic.ipconfig(dhcp4=False, addr4=(ip, mask) or "ip/prefix", gw4=gw)
    network.ipconfig(dns=...), network.hostname(name)

Addresses set here come from the network (a DHCP server), so every value
is checked to be a dotted quad of digits, and the interface name a short
plain name, before it goes into an `ip` command line.
"""
import os

_conf = {"dns": "0.0.0.0", "hostname": "mpy-unix"}
_NAME_OK = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"


# Loops rather than generator expressions: on the board each one is a
# function object of its own, and this module sits on the heap with the rest.
def _quad(s):
    s = str(s)
    p = s.split(".")
    if len(p) == 4:
        out = []
        for x in p:
            if not x.isdigit() or len(x) > 3 or int(x) > 255:
                break
            out.append(str(int(x)))
        else:
            return ".".join(out)
    raise ValueError("not an IPv4 address: " + repr(s))


def _prefix(mask):
    n = 0
    for x in _quad(mask).split("."):
        v = int(x)
        while v & 0x80:
            n += 1
            v = (v << 1) & 0xFF
    return n


def _mask(prefix):
    v = (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF if prefix else 0
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def _ifname(name):
    if not name or len(name) > 15:
        raise ValueError("bad interface name")
    for c in name:
        if c not in _NAME_OK:
            raise ValueError("bad interface name")
    return name


def _ip(args):
    rc = os.system("ip " + args + " >/dev/null 2>&1")
    if rc != 0:
        raise OSError(rc)


def ipconfig(dns=None, prefer=None):
    if dns is not None:
        _conf["dns"] = _quad(dns)
        return None
    return _conf["dns"]


def hostname(name=None):
    if name is None:
        return _conf["hostname"]
    _conf["hostname"] = str(name)


class LAN:
    def __init__(self, ifname="eth0"):
        self.ifname = _ifname(ifname)
        self.addr = ("0.0.0.0", 0)
        self.gw = "0.0.0.0"
        self.dhcp4 = False

    def _sys(self, leaf):
        try:
            with open("/sys/class/net/{}/{}".format(self.ifname, leaf)) as f:
                return f.read().strip()
        except OSError:
            return ""

    def active(self, up=None):
        if up is None:
            return self._sys("operstate") not in ("down", "")
        _ip("link set dev {} {}".format(self.ifname, "up" if up else "down"))

    def isconnected(self):
        return self._sys("carrier") == "1" and self._sys("operstate") in ("up", "unknown")

    def status(self, param=None):
        return 1 if self.isconnected() else 0

    def config(self, *args, **kw):
        if args:
            if args[0] == "mac":
                return bytes.fromhex(self._sys("address").replace(":", ""))
            if args[0] == "hostname":
                return _conf["hostname"]
            raise ValueError("unknown config param")
        if "hostname" in kw:
            hostname(kw["hostname"])

    def ifconfig(self, cfg=None):
        if cfg is None:
            return (self.addr[0], _mask(self.addr[1]), self.gw, _conf["dns"])
        self.ipconfig(addr4=(cfg[0], cfg[1]), gw4=cfg[2])
        ipconfig(dns=cfg[3])

    def ipconfig(self, *args, **kw):
        if args:
            k = args[0]
            if k == "addr4":
                return (self.addr[0], _mask(self.addr[1]))
            if k == "gw4":
                return self.gw
            if k == "dhcp4":
                return self.dhcp4
            raise ValueError("unknown ipconfig param")
        if "dhcp4" in kw:
            self.dhcp4 = bool(kw["dhcp4"])     # there is no built-in client here
        if "addr4" not in kw and "gw4" not in kw:
            return
        a = kw.get("addr4")
        if a is None:                           # gw4 alone: keep the address
            ip, prefix = self.addr
        elif isinstance(a, str):
            ip, _, pre = a.partition("/")
            prefix = int(pre) if pre.isdigit() and int(pre) <= 32 else 32
        else:
            ip, prefix = a[0], _prefix(a[1])
        ip = _quad(ip)
        gw = kw.get("gw4")
        _ip("-4 addr flush dev {}".format(self.ifname))
        self.addr = (ip, prefix)
        self.gw = "0.0.0.0"
        if ip == "0.0.0.0":
            return
        _ip("addr add {}/{} dev {}".format(ip, int(prefix), self.ifname))
        if gw and _quad(gw) != "0.0.0.0":
            self.gw = _quad(gw)
            _ip("route replace default via {} dev {}".format(self.gw, self.ifname))

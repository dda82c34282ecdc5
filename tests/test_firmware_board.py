"""Issue 16 on the board (firmware/dhcp4c_board.py, dhcpnic.py): what the
application reads of a lease beyond the address, the gateway from RFC 3442
routes, the static fallback, the RFC 4361 client id and the lease kept for
a fast reconnect (INIT-REBOOT bounded by Config.reboot, then DISCOVER).

The first test runs the library's own code on the 32-bit unix port with
stand-ins for the NIC and machine.RTC() (no network). The others run the
firmware image on the virtual board (tests/test_firmware.py's VBoard)
against dnsmasq in the rig, and read the client namespace's interface and
routes, dnsmasq's log and lease file."""
import os
import re
import time

import rig
from test_examples import wait_console
from test_firmware import PLAIN, VBoard, addrs

UNIT = r"""
import os
from dhcp4c.lease import Lease as CoreLease, parse_addr
from dhcp4c.options import encode_name
import dhcp4c_board
from dhcp4c_board import DHCP, Lease, _static


class NIC:                      # what dhcpnic reads and sets
    def __init__(self):
        self.set = []

    def config(self, *a, **kw):
        return b"\x02\x00\x00\x00\x00\x07"

    def active(self, up=None):
        return True

    def isconnected(self):
        return False

    def ipconfig(self, *a, **kw):
        self.set.append(kw)


class RTC:                      # machine.RTC()'s memory(), as on an ESP32
    def __init__(self):
        self.mem = b""

    def memory(self, data=None):
        if data is None:
            return self.mem
        self.mem = bytes(data)


def A(s):
    return parse_addr(s)


# the lease kept in RTC memory, not in a file
rtc = RTC()
d = DHCP(NIC(), lease_file="must-not-exist", lease_store=rtc)
line = "dhcp4c1 192.0.2.50 255.255.255.0 192.0.2.1 120 -"
d._save(line)
assert rtc.mem == line.encode(), rtc.mem
assert "must-not-exist" not in os.listdir(".")
d2 = DHCP(NIC(), lease_store=rtc)
got = d2._load(0)
assert got.address == A("192.0.2.50") and got.server_id == A("192.0.2.1"), got
rtc.mem = b"\xff\x00garbage"            # RTC memory after a cold power-up
assert DHCP(NIC(), lease_store=rtc)._load(0) is None
d2._save("")                            # lease lost: the memory emptied
assert rtc.mem == b""
said = []
d3 = DHCP(NIC(), lease_file="x.lease", lease_store="rtc", log=said.append)
assert d3.lease_file == "x.lease" and "no RTC memory" in said[0], said   # unix: no RTC memory
assert d.client.config.reboot == dhcp4c_board.REBOOT_MS   # bounded INIT-REBOOT by default
assert DHCP(NIC(), reboot=None).client.config.reboot is None

# the Lease view: options beyond the address
rt = bytes([0, 192, 0, 2, 254, 24, 198, 51, 100, 192, 0, 2, 1])   # default via .254; a /24 via .1
raw = CoreLease(A("192.0.2.50"), server_id=A("192.0.2.1"), lease_time=120,
                mask=A("255.255.255.0"), routers=[A("192.0.2.1")],
                options={121: rt, 26: b"\x05\x78", 42: A("192.0.2.123"),
                         119: encode_name("lab.example") + encode_name("example.net"),
                         3: A("192.0.2.1")})
v = Lease(raw, lambda: 0)
assert v.router == "192.0.2.1" and v.gateway == "192.0.2.254", (v.router, v.gateway)
assert v.routes == [("0.0.0.0/0", "192.0.2.254"), ("198.51.100.0/24", "192.0.2.1")], v.routes
assert v.mtu == 1400 and v.ntp == ["192.0.2.123"], (v.mtu, v.ntp)
assert v.search == ["lab.example", "example.net"], v.search
raw.options = {249: bytes([24, 198, 51, 100, 192, 0, 2, 9]), 119: b"\x05ab"}
v = Lease(raw, lambda: 0)
assert v.gateway is None and v.routes == [("198.51.100.0/24", "192.0.2.9")], v.gateway
assert v.search is None and v.mtu is None          # a malformed search list: None
raw.options = {}
v = Lease(raw, lambda: 0)
assert v.gateway == "192.0.2.1" and v.routes == [] and v.search == [], v.gateway

# the fallback profile, from a profile, from manifest.json, on FALLBACK
raw, prefix, after = _static({"address": "192.0.2.77/20", "router": "192.0.2.1",
                              "dns": ["192.0.2.53"]})
s = Lease(raw, lambda: 0)
assert (s.address, s.mask, prefix, after) == ("192.0.2.77", "255.255.240.0", 20, 10)
assert (s.gateway, s.dns, s.lease_time, s.time_left, s.server) == (
    "192.0.2.1", ["192.0.2.53"], None, None, None), s
for bad in ({"address": "192.0.2.300/24"}, {"address": "192.0.2.7/33"},
            {"address": "192.0.2.7/24", "router": "gw"}):
    try:
        _static(bad)
        raise AssertionError(bad)
    except ValueError:
        pass


class Board:
    NAME = "stand-in"
    CLIENT_ID = "rfc4361"
    RAPID_COMMIT = True
    LEASE_FILE = None

    @staticmethod
    def nic():
        return NIC()


with open("manifest.json", "w") as f:
    f.write('{"boards": {}, "fallback": {"address": "192.0.2.88/24", "after": 3}}')
b = DHCP.from_board(Board)
c = b.client.config
assert (c.client_id, c.rapid_commit, c.v6only, c.fallback) == ("rfc4361", True, False, 3), c
assert b.static[0].address == A("192.0.2.88") and b.static[0].router is None
Board.FALLBACK = {"address": "198.51.100.9/24", "router": "198.51.100.1", "after": 5}
b = DHCP.from_board(Board, v6only=True)
assert b.client.config.v6only and b.static[0].address == A("198.51.100.9")
assert b.client.config.fallback == 5
heard = []
b.on_lease = lambda kind, lease: heard.append((kind, lease))
b._fall_back()
assert [(k, v.address, v.gateway) for k, v in heard] == [
    ("fallback", "198.51.100.9", "198.51.100.1")], heard
assert b.fallback is None                 # shown only while Client.fallback
assert b.nic.set[-1] == {"addr4": ("198.51.100.9", "255.255.255.0"), "gw4": "198.51.100.1"}
print("OK")
"""


def test_lease_store_view_and_profile_on_the_unix_port(tmp_path):
    """The library's own code on the 32-bit unix port (as a board runs it),
    with stand-ins for the NIC and machine.RTC(): the lease kept in RTC
    memory, the Lease view's gateway / routes / search / mtu / ntp, the
    fallback profile (board FALLBACK, manifest.json's "fallback") and the
    profile's CLIENT_ID / RAPID_COMMIT reaching Config."""
    path = ":".join([os.path.join(rig.REPO, "firmware"), rig.SHARED,
                     os.path.join(rig.REPO, "boards", "unix")])
    (tmp_path / "unit.py").write_text(UNIT)
    r = rig.subprocess.run(rig.interpreter(PLAIN) + ["unit.py"], cwd=str(tmp_path),
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, MICROPYPATH=path))
    assert r.stdout.strip().endswith("OK"), r.stdout + r.stderr


def default_route(lab):
    return lab.run(["ip", "route", "show", "default"], ns="client").stdout


def test_gateway_from_classless_routes_not_option_3(lab):
    """dnsmasq sends option 3 (192.0.2.1) and option 121 whose default route
    goes to 192.0.2.254 (RFC 3442: 3 is then ignored): the namespace's
    default route is via .254. The board asked for NTP (42) in its PRL."""
    srv = lab.dnsmasq(extra_conf=[
        "dhcp-option=3,192.0.2.1",
        "dhcp-option=121,0.0.0.0/0,192.0.2.254,198.51.100.0/24,192.0.2.1"])
    b = VBoard(lab)
    b.flash()
    st = b.wait_state("BOUND")
    ip = st["lease"]["address"]
    assert addrs(lab) == [ip + "/24"]
    assert "default via 192.0.2.254" in default_route(lab), default_route(lab)
    assert st["lease"]["routes"][0] == ["0.0.0.0/0", "192.0.2.254"]
    req = re.search(r"requested options: (.*(?:\n.*requested options:.*)*)",
                    lab.log(srv)).group(0)
    assert "42:ntp-server" in req, req


def test_static_fallback_then_a_real_lease(lab):
    """No server: after the profile's 3 s the fallback address and gateway
    are on the namespace interface, `state` shows it; dnsmasq comes and its
    lease replaces the fallback (address and default route)."""
    app = os.path.join(lab.tmp, "fallback_app.py")
    with open(app, "w") as f:
        f.write(FALLBACK_APP)
    b = VBoard(lab)
    b.flash(app=app)
    wait_console(b, r"app: fallback 192\.0\.2\.250 gateway 192\.0\.2\.9", 20)
    assert addrs(lab) == ["192.0.2.250/24"]
    assert "default via 192.0.2.9" in default_route(lab)
    st = b.ctl("state")
    assert st["fallback"]["address"] == "192.0.2.250", st
    assert st["state"] in ("SELECTING", "INIT"), st
    srv = lab.dnsmasq()
    m = wait_console(b, r"app: acquired (192\.0\.2\.1\d\d) gateway 192\.0\.2\.1\b", 40)
    assert addrs(lab) == [m.group(1) + "/24"]
    assert "default via 192.0.2.1 " in default_route(lab) + " "
    assert b.ctl("state")["fallback"] is None
    assert "DHCPACK" in lab.log(srv)


FALLBACK_APP = """
import board
from dhcp4c_board import DHCP

board.FALLBACK = {"address": "192.0.2.250/24", "router": "192.0.2.9", "after": 3}


def on_lease(kind, lease):
    print("app:", kind, lease.address, "gateway", lease.gateway)


dhcp = DHCP.from_board(board)
dhcp.on_lease = on_lease
dhcp.serve()
while True:
    dhcp.poll(1000)
"""

CLIENT_ID_APP = """
import board
from dhcp4c_board import DHCP

board.CLIENT_ID = "rfc4361"
dhcp = DHCP.from_board(board)
dhcp.serve()
while True:
    dhcp.poll(1000)
"""


def test_rfc4361_client_id_from_the_profile(lab):
    """A profile's CLIENT_ID = "rfc4361": dnsmasq's lease file holds
    ff:<last 4 MAC bytes>:00:03:00:01:<MAC> (RFC 4361's IAID + DUID-LL)."""
    lab.dnsmasq()
    app = os.path.join(lab.tmp, "cid_app.py")
    with open(app, "w") as f:
        f.write(CLIENT_ID_APP)
    b = VBoard(lab)
    b.flash(app=app)
    ip = b.wait_state("BOUND")["lease"]["address"]
    mac = lab.run(["cat", "/sys/class/net/{}/address".format(lab.client_if)],
                  ns="client").stdout.strip()
    want = "ff:" + ":".join(mac.split(":")[2:]) + ":00:03:00:01:" + mac
    leases = open(os.path.join(lab.tmp, "dnsmasq.leases")).read()
    line = [x for x in leases.splitlines() if ip in x][0]
    assert line.split()[-1] == want, (line, want)


def dnsmasq_ignoring(lab, range_start="192.0.2.100"):
    """dnsmasq without dhcp-authoritative (the rig's has it): a REQUEST for
    an address it has no lease for (INIT-REBOOT after its lease file is
    gone) goes unanswered, so the client must fall back to DISCOVER."""
    exe = rig.need_tool("dnsmasq")
    conf = os.path.join(lab.tmp, "dnsmasq-na.conf")
    leases = os.path.join(lab.tmp, "dnsmasq-na.leases")
    with open(conf, "w") as f:
        f.write("\n".join([
            "port=0", "interface=" + lab.server_if, "bind-interfaces",
            "dhcp-range={},192.0.2.199,255.255.255.0,2m".format(range_start),
            "no-ping", "log-dhcp", "dhcp-leasefile=" + leases,
            "pid-file=" + os.path.join(lab.tmp, "dnsmasq-na.pid"), "user=root"]) + "\n")
    p = lab.start([exe, "--keep-in-foreground", "--log-facility=-", "--conf-file=" + conf],
                  ns="server", name="dnsmasq-na")
    lab.wait_udp_port(67, ns="server", proc=p)
    return p


# What the client sends, seen on the server's interface (the packet socket
# hears frames dnsmasq does not log: it drops an INIT-REBOOT REQUEST it will
# not answer without a word): one line per DHCP message to port 67,
# "monotonic-time type requested-address".
SNIFFER = r"""
import socket, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
print("ready", flush=True)
while True:
    data, addr = s.recvfrom(4096)
    if addr[2] == socket.PACKET_OUTGOING or len(data) < 28 or data[9] != 17:
        continue
    udp = data[(data[0] & 15) * 4:]
    p = udp[8:]
    if int.from_bytes(udp[2:4], "big") != 67 or len(p) < 243 or p[236:240] != b"c\x82Sc":
        continue
    i, t, want = 240, None, "-"
    while i + 1 < len(p) and p[i] != 255:
        if p[i] == 0:
            i += 1
            continue
        if p[i] == 53:
            t = p[i + 2]
        elif p[i] == 50 and p[i + 1] == 4:
            want = socket.inet_ntoa(p[i + 2:i + 6])
        i += 2 + p[i + 1]
    print("{:.4f} {} {}".format(time.monotonic(), t, want), flush=True)
"""
DISCOVER, REQUEST = 1, 3


def sniffer(lab):
    """Start SNIFFER in the server namespace; frames() reads its lines as
    [(t, type, requested)]."""
    p = lab.start([rig.interpreter("python")[0], "-c", SNIFFER], ns="server", name="sniffer")
    rig.wait_until(lambda: "ready" in lab.log(p), 5)
    return p


def frames(lab, p):
    out = []
    for line in lab.log(p).splitlines()[1:]:
        f = line.split()
        if len(f) == 3 and f[1].isdigit():
            out.append((float(f[0]), int(f[1]), f[2]))
    return out


def stored_lease(b, addr, left=100):
    """A lease line for `addr` in the board's flash (dhcp4c.lease), as the
    firmware writes it (RTC = True on the virtual board: the expiry in
    wall-clock seconds)."""
    with open(os.path.join(b.dir, "dhcp4c.lease"), "w") as f:
        f.write("dhcp4c1 {} 255.255.255.0 192.0.2.1 120 {}".format(addr, int(time.time()) + left))


def test_stored_lease_ignored_then_discover(lab):
    """The board boots with a stored lease for 192.0.2.42, an address the
    (non-authoritative) server never handed out: the INIT-REBOOT REQUEST for
    it is the first thing on the wire, twice (Config.reboot's two), dnsmasq
    drops it, and the board discovers (asking for .42 again) and binds."""
    srv = dnsmasq_ignoring(lab)
    sn = sniffer(lab)
    b = VBoard(lab)
    stored_lease(b, "192.0.2.42")
    b.flash()
    st = b.wait_state("BOUND", timeout=30)
    ip = st["lease"]["address"]
    seen = frames(lab, sn)
    kinds = [(t, want) for _, t, want in seen]
    assert kinds[:3] == [(REQUEST, "192.0.2.42"), (REQUEST, "192.0.2.42"),
                         (DISCOVER, "192.0.2.42")], seen
    assert "DHCPREQUEST(srv0) 192.0.2.42" not in lab.log(srv)     # dropped unanswered
    assert "DHCPACK(srv0) " + ip in lab.log(srv)
    assert addrs(lab) == [ip + "/24"]
    assert b.lease_file().startswith("dhcp4c1 " + ip)


def test_inform_through_the_control_channel(lab):
    """Issue 16, item 5 on the board: after `release`, an address set by
    other means, `dhcpctl inform` makes the firmware's client send DHCPINFORM;
    dnsmasq answers, `state` shows the parameters under `informed`, and no
    lease is taken."""
    srv = lab.dnsmasq()
    b = VBoard(lab)
    b.flash()
    b.wait_state("BOUND")
    before = len(b.console())           # (flashing leaves mpremote's probes in it)
    b.ctl("release")
    b.wait_state("STOPPED")
    lab.run(["ip", "addr", "add", "192.0.2.50/24", "dev", lab.client_if])
    assert b.ctl("inform", "192.0.2.50") == {"state": "INFORMING"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        st = b.ctl("state")
        if st["informed"]:
            break
        time.sleep(0.2)
    assert st["state"] == "STOPPED" and st["lease"] is None, st
    assert st["informed"]["address"] == "192.0.2.50"
    assert st["informed"]["server_id"] == "192.0.2.1" and st["informed"]["lease_time"] is None
    assert "DHCPINFORM(srv0) 192.0.2.50" in lab.log(srv)
    assert "Traceback" not in b.console()[before:]

"""Rogue responders on the client's segment (issue 17, item 4).

Each case runs the real daemon (host/dhcpc) in a Lab's client namespace
against dnsmasq (six also against Kea, ISC dhcpd and udhcpd), with
tests/rogue_frames.py in the server namespace answering the client *first*
in one of its modes: malformed and malicious replies (bad server
identifiers, bad cookie, wrong xid or chaddr, bad yiaddr, options of a bad
length, option 52 inside file/sname, shell metacharacters in string
options, NAKs and ACKs from a server the client did not select) and
framing faults on the raw path (checksums, fragments, IP options, ports,
lengths, truncated and oversized frames). The rogue's nftables gate drops
the real server's replies of the attacked phase until the rogue's have
left, so the real server is heard a moment later (its answer to the next
retransmission, -T 1, or a reply that left after the gate opened); the
rogue's log shows its replies going out before the real server's.

Every case ends with the daemon alive and bound - with the real server's
lease, or with the rogue's spoof of it sanitised (the address the real
server offered, a bad option left out, every string made safe) - and no
rogue address ever in a script's environment, on the interface or in a
route. The drops are checked in the
daemon's counters (`stats` on its control socket).
"""
import os
import re
import select
import signal
import socket
import time

import pytest

import rig
import rogue_frames as R
import servers
from dhcpcrig import Run, addr_of

from dhcp4c.frames import NEED_DATA, FrameReader, encode  # noqa: E402

ROGUE_ADDRS = ("192.0.2.66", "192.0.2.77")
PWNED = "/tmp/d4c-pwned"
UNSAFE = set("$`;&|<>()'\"\\")


@pytest.fixture(autouse=True)
def _root():
    rig.need_root()


def expected_text(raw):
    """docs/dhcpc.md's rule for free text, written out independently: up to
    the first NUL; printable ASCII but shell metacharacters and % as is,
    every other byte as %XX."""
    out = ""
    for b in raw.split(b"\0", 1)[0]:
        c = chr(b)
        out += c if 0x20 <= b < 0x7f and c not in UNSAFE and c != "%" else "%{:02X}".format(b)
    return out


def stats(path, timeout=5.0):
    """The daemon's `stats` result, through its control socket (the frame
    protocol of docs/control-protocol.md)."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):           # opens at the first quiet moment
        assert time.monotonic() < deadline, "no control socket " + path
        time.sleep(0.02)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        s.sendall(encode({"id": 1, "cmd": "stats"}))
        reader = FrameReader(1 << 20)
        while True:
            left = deadline - time.monotonic()
            assert left > 0 and select.select([s], [], [], left)[0], "no stats response"
            data = s.recv(65536)
            assert data, "daemon closed the control connection"
            reader.receive_data(data)
            while True:
                f = reader.next_frame()
                if f is NEED_DATA:
                    break
                if f.get("id") == 1:
                    assert f["ok"], f
                    return f["result"]
    finally:
        s.close()


class Case:
    """One mode of rogue_frames.py and what the client must end with.

    end: "real" (the real server's ACK), "spoof" (the rogue's spoof of the
    real server's ACK, sanitised: the address it offered, its server id),
    "copy" (a spoof in faulty frames then a correct copy: the copy's lease).
    drops, link: least counts in stats' client drops and link counters.
    env: (bound environment) -> None, asserting what the lease holds.
    """

    def __init__(self, mode, end="real", drops=None, link=None, options_dropped=0, env=None,
                 mtu=None, renew=False):
        self.mode = mode
        self.end = end
        self.drops = drops or {}
        self.link = link or {}
        self.options_dropped = options_dropped
        self.env = env
        self.mtu = mtu
        self.renew = renew

    def __repr__(self):
        return self.mode


def keeps(**want):
    def check(env):
        for k, v in want.items():
            if v is None:
                assert k not in env, (k, env)
            else:
                assert env.get(k) == v, (k, env.get(k), v)
    return check


def evil_env(env):
    assert env["hostname"] == "bad" and env["domain"] == "bad", env
    assert env["rootpath"] == expected_text(b"/r" + R.EVIL), env
    assert env["wpad"] == expected_text(b"http://w/" + R.EVIL), env
    assert env["sname"] == expected_text(b"s" + R.EVIL), env
    assert env["boot_file"] == expected_text(b"f" + R.EVIL), env
    assert "%24%28touch" in env["rootpath"] and "%0A%1B" in env["rootpath"], env
    assert env["search"] == "bad", env
    assert env["router"] == "192.0.2.1", env


BAD_SID = {"bad server id": 1}
CASES = [Case("offer-sid-" + name, drops=BAD_SID) for name in R.BAD_SIDS] + [
    # (the cookie and the option running past the end: malformed, the whole reply)
    Case("offer-bad-cookie-xid-chaddr-yiaddr",
         drops={"malformed": 2, "xid": 1, "chaddr": 1, "limited broadcast": 1,
                "broadcast address": 1, "no server id": 1}),
    Case("ack-bad-server-ids", drops={"bad server id": 6}),
    Case("nak-bad-server-ids", drops={"bad server id": 6}),
    Case("request-other-server", drops={"server mismatch": 3, "address mismatch": 1}),
    Case("renew-other-server", renew=True, drops={"server mismatch": 2, "bad server id": 2}),
    # class (a): the bad option goes, the rest stays
    Case("ack-router-bad-length", end="spoof", options_dropped=1,
         env=keeps(router=None, dns="192.0.2.1", domain="kept.example", subnet="255.255.255.0")),
    Case("ack-dns-bad-length", end="spoof", options_dropped=1,
         env=keeps(dns=None, router="192.0.2.1", domain="kept.example", subnet="255.255.255.0")),
    Case("ack-mask-bad-length", end="spoof", options_dropped=1,
         env=keeps(subnet=None, mask=None, router="192.0.2.1", dns="192.0.2.1",
                   domain="kept.example", lease="600")),
    Case("ack-vital-options-malformed", drops={"malformed": 3}),
    Case("ack-routes-bad", end="spoof", options_dropped=1,
         env=keeps(staticroutes=None, router="192.0.2.1", domain="kept.example")),
    # class (b): option 52 inside the overloaded field is not followed
    Case("ack-overload-in-file", end="spoof",
         env=keeps(domain="file.example", router="192.0.2.1", boot_file=None,
                   sname=expected_text(bytes([3, 4]) + R.ROGUE))),
    Case("ack-overload-in-sname", end="spoof",
         env=keeps(domain="sname.example", router="192.0.2.1", sname=None,
                   boot_file=expected_text(bytes([3, 4]) + R.ROGUE))),
    # class (d): strings reach the script only made safe
    Case("ack-evil-strings", end="spoof", env=evil_env),
    Case("nak-evil-message"),
    Case("renew-evil-strings", end="spoof", renew=True, env=evil_env),
    # the raw path: every faulty frame dropped, the correct copy taken
    Case("frame-ip-checksum", end="copy", link={"bad_checksum": 2}),
    Case("frame-udp-checksum", end="copy", link={"bad_checksum": 2}),
    Case("frame-fragments", end="copy", link={"malformed_ip": 2}),
    Case("frame-bad-ip-options", end="copy"),
    Case("frame-wrong-ports", end="copy"),
    Case("frame-ip-length-beyond-frame", end="copy", link={"malformed_ip": 4}),
    Case("frame-truncated", end="copy", link={"malformed_ip": 8}),
    Case("frame-not-ipv4", end="copy", link={"malformed_ip": 2}),
    # well-formed IP options are IP: taken
    Case("ip-options", end="spoof", env=keeps(domain="ip-options.example")),
    # a frame past what the daemon reads (dropped), a 1400-byte ACK (taken)
    Case("too-big", end="spoof", mtu=9000, link={"malformed_ip": 1},
         env=keeps(domain="big.example", opt224="42" * 1020, opt225="43" * 100)),
]
assert set(c.mode for c in CASES) == set(R.MODES), set(R.MODES) ^ set(c.mode for c in CASES)


SEEN = {"discover": r"seen DISCOVER ", "request": r"seen REQUEST .* ciaddr=0\.0\.0\.0 ",
        "renew": r"seen REQUEST .* ciaddr=(?!0\.0\.0\.0 )"}


def phase_order(log, phase, real):
    """Lines of the rogue's log: from the client's first message of `phase`
    on, its replies went out, then the gate opened, and no `real` reply of
    the real server's (OFFER; ACK, NAK) left before."""
    lines = log.splitlines()
    gate = "gate open " + phase.upper()
    assert gate in lines, log
    first = [i for i, ln in enumerate(lines) if re.match(SEEN[phase], ln)][0]
    before = lines[first:lines.index(gate)]
    assert any(ln.startswith("sent ") for ln in before), log
    assert not any(ln.split()[:2] in (["real", r] for r in real) for ln in before), log


def no_rogue(r, lab, env):
    """No rogue address in any script environment, on the interface or in a
    route, no value with a raw shell metacharacter or control character."""
    for action, env in r.actions():
        for k, v in env.items():
            if k in ("interface", "ip", "router", "dns", "serverid", "subnet", "siaddr",
                     "broadcast", "hostname", "domain", "sname", "boot_file", "rootpath",
                     "wpad", "message") or re.match(r"opt\d+$", k):
                for a in ROGUE_ADDRS:
                    assert a not in v.split(), (action, k, v)
                assert not (set(v) & UNSAFE), (action, k, v)
                assert all(0x20 <= ord(c) < 0x7f for c in v), (action, k, v)
    for cidr in addr_of(lab):
        assert cidr.split("/")[0] not in ROGUE_ADDRS, cidr
    def routes():
        return lab.run(["ip", "-4", "route", "show"]).stdout
    if "router" in env:       # (the recording script logs the action, then configures it)
        assert rig.wait_until(lambda: "default via 192.0.2.1 " in routes(), 5), routes()
    assert not set(routes().split()) & set(ROGUE_ADDRS), routes()
    assert not os.path.exists(PWNED)


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_rogue_answers_first(lab, case):
    rogue_case(lab, case, "dnsmasq")


# The same with the other real servers (packet-socket ones among them), for a
# class of each kind: header faults, a NAK/ACK from another server (DORA and
# renewal), strings made safe, a checksum on the raw path.
OTHER = ("offer-bad-cookie-xid-chaddr-yiaddr", "offer-sid-limited-broadcast",
         "request-other-server", "renew-other-server", "ack-evil-strings", "frame-udp-checksum")


@pytest.mark.parametrize("server", [s for s in servers.ALL if s != "dnsmasq"])
@pytest.mark.parametrize("case", [c for c in CASES if c.mode in OTHER], ids=repr)
def test_rogue_answers_first_other_servers(lab, server, case):
    rogue_case(lab, case, server)


def rogue_case(lab, case, server):
    try:
        os.unlink(PWNED)
    except FileNotFoundError:
        pass
    if case.mtu:
        for ns, dev in (("server", lab.server_if), ("client", lab.client_if)):
            lab.run(["ip", "link", "set", dev, "mtu", str(case.mtu)], ns=ns)
    # dhcpd without its ping check (a second per offer)
    srv = servers.start(lab, server, **({"ping_check": False} if server == "dhcpd" else {}))
    rogue = lab.start(rig.interpreter("python") + [
        os.path.join(rig.REPO, "tests", "rogue_frames.py"), lab.server_if, case.mode,
        rig.need_tool("nft")], ns="server", name="rogue")
    assert rig.wait_until(lambda: "ready" in lab.log(rogue) or rogue.poll() is not None, 10)
    assert rogue.poll() is None, lab.log(rogue)
    r = Run(lab, ["-f", "-T", "1", "-t", "4"]).start()
    env = r.wait_action("bound", timeout=15)
    spec = R.MODES[case.mode]

    def rlog():
        return lab.log(rogue)

    if case.renew:
        ip = env["ip"]
        r.signal(signal.SIGUSR1)              # the unicast renew meets the rogue first
        assert rig.wait_until(lambda: "gate open RENEW" in rlog(), 10), rlog()
        time.sleep(0.2)                       # its replies are in (and dropped)
        assert r.names()[:3] in (["deconfig", "bound"], ["deconfig", "bound", "renew"]), (
            r.names(), r.log(), rlog())
        if "renew" not in r.names():          # the real server's ACK held by the gate
            r.signal(signal.SIGUSR1)          # till after the rogue's: else ask again
        env = r.wait_action("renew", timeout=10)
        assert env["ip"] == ip
    for phase in ("discover", "request", "renew"):
        if phase in spec:        # the rogue logs its gate a moment after its replies
            rig.wait_until(lambda: "gate open " + phase.upper() in rlog(), 5)
    log = rlog()
    for phase in ("discover", "request", "renew"):
        if phase in spec:
            phase_order(log, phase, ["OFFER"] if phase == "discover" else ["ACK", "NAK"])
    offered = re.findall(r"^real OFFER (\S+)", log, re.M)
    assert offered, log
    assert env["serverid"] == "192.0.2.1", (env, log)
    assert env["ip"] == offered[-1], (env, log)
    acked = re.findall(r"^real ACK (\S+)", log, re.M)
    # every rogue reply says 600 s, no real server here does
    assert (env["lease"] == "600") == (case.end != "real"), (env, log)
    if case.end == "real":
        assert acked and acked[-1] == env["ip"], log
        if server == "dnsmasq":
            assert "DHCPACK({}) {}".format(lab.server_if, env["ip"]) in lab.log(srv)
    # else bound with the rogue's spoof (its marks are checked below); a real
    # ACK that left once the gate opened came too late and was dropped
    if case.end == "copy":
        assert env.get("domain") == "good-copy.example", (env, log)
    if case.env:
        case.env(env)
    if case.mode == "nak-evil-message":
        naks = [e for a, e in r.actions() if a == "nak"]
        assert naks and naks[0]["message"] == expected_text(b"no " + R.EVIL), naks
    no_rogue(r, lab, env)
    # the same round: one DISCOVER round, no leasefail
    assert "leasefail" not in r.names(), r.actions()
    if case.mode != "nak-evil-message":
        assert r.log().count("sending discover") == 1, r.log()
    st = stats(os.path.join(lab.tmp, "dhcpc.sock"))
    drops = st["client"]["drops"]
    for name, n in case.drops.items():
        assert drops.get(name, 0) >= n, (name, drops, log)
    assert st["client"]["options_dropped"] == case.options_dropped, (st["client"], log)
    for name, n in case.link.items():
        assert st.get("link", {}).get(name, 0) >= n, (name, st.get("link"), log)
    assert r.proc.poll() is None, r.log()
    assert "Traceback" not in r.log(), r.log()

"""A rogue DHCP responder on raw frames, for tests/test_rogue.py (issue 17).

    rogue_frames.py IFACE MODE NFT

Runs in a Lab's server namespace beside a real server (dnsmasq, Kea, ISC
dhcpd or busybox udhcpd) and answers the client first, in one of the MODES
below: malformed or malicious replies
(bad server identifiers, bad cookie, wrong xid or chaddr, options of a bad
length, option 52 inside file/sname, shell metacharacters in string
options, NAKs and ACKs from a server the client did not select) and framing
faults on the raw path (bad IP or UDP checksum, fragments, IP options,
wrong ports, an IP length beyond the frame, truncated and oversized frames).

Going first without racing the real server: for each phase a mode attacks
(the DISCOVER, the SELECTING REQUEST, the RENEWING REQUEST), an nftables
rule on the server veth's egress (the "gate") drops the real server's
replies of that phase until the rogue has sent its own; the rogue then
opens it, and the real server's answer to the client's next retransmission
(dhcpc -T 1: one second later) goes out - "a real server that answers a
moment later". Any server works, packet-socket ones (Kea, ISC dhcpd)
included, and the real server still sees every request. The rogue reads
frames on an ETH_P_ALL packet socket, which sees what leaves after the
egress hook, so its log says it all in order:

    ready
    seen DISCOVER xid=...             the client's messages
    sent LABEL                        each rogue frame, as it left
    gate open DISCOVER
    real OFFER 192.0.2.123 ...        the real server's replies as they leave

Only the standard library (a raw socket and struct), so it starts in a few
milliseconds; IPv4/UDP headers are built here, independently of the
dhcp4c.ipudp code under test. Stops on SIGTERM (the Lab does it).
"""
import socket
import struct
import subprocess
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAGIC = b"\x63\x82\x53\x63"
ROGUE = bytes([192, 0, 2, 66])       # the rogue's own address (its server identifier)
ROGUE_YIADDR = bytes([192, 0, 2, 77])  # what it offers
REAL = bytes([192, 0, 2, 1])         # the real server (the rig's server address)
BCAST = b"\xff\xff\xff\xff"
MASK = b"\xff\xff\xff\x00"
DISCOVER, OFFER, REQUEST, ACK, NAK = 1, 2, 3, 5, 6
TYPE_NAMES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK",
              7: "RELEASE", 8: "INFORM"}

# Strings a shell or a terminal would act on (class d of issue 17).
EVIL = b"$(touch /tmp/d4c-pwned)`id`'\"&;|<>()\\\n\x1b[2J\x07%"


def ip4(b):
    return ".".join(str(x) for x in b)


# --- DHCP payloads -----------------------------------------------------------

def payload(xid, chaddr, yiaddr, opts, cookie=MAGIC, sname=b"", file=b"", tail=b"",
            end=True, pad=True):
    """A BOOTREPLY: header, cookie, `opts` ((code, bytes) pairs, or raw bytes),
    `tail` (raw bytes after them), END, padded to 300 bytes."""
    hdr = struct.pack("!BBBB4sHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0x8000, bytes(4),
                      yiaddr, bytes(4), bytes(4), chaddr, sname, file)
    body = b"".join(o if isinstance(o, bytes) else bytes([o[0], len(o[1])]) + o[1]
                    for o in opts)
    out = hdr + cookie + body + tail + (b"\xff" if end else b"")
    if pad and len(out) < 300:
        out += bytes(300 - len(out))
    return out


def lease_opts(sid=REAL, lease=600):
    """What a server's OFFER/ACK carries besides option 53."""
    return [(54, sid), (51, struct.pack("!I", lease)), (1, MASK), (3, REAL), (6, REAL)]


# --- IPv4/UDP/Ethernet frames (RFC 791, 768, 1071), with faults on request ---

def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src_mac, data, src=ROGUE, dst=BCAST, sport=67, dport=68, proto=17, ipopts=b"",
          frag=0, ident=0x4242, bad_ip_csum=False, bad_udp_csum=False, total=None,
          ulen=None, cut=None, version=4, ihl=None):
    """An Ethernet broadcast frame carrying one IPv4/UDP datagram with `data`.
    frag: the 16-bit flags/fragment-offset field; total/ulen: IP total and
    UDP lengths to claim instead of the true ones; cut: keep only that many
    bytes of the IP packet; ihl: the header length nibble to claim."""
    n_ulen = 8 + len(data)
    ulen = n_ulen if ulen is None else ulen
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + data
    pseudo = src + dst + struct.pack("!BBH", 0, proto, n_ulen)
    c = csum(pseudo + udp) or 0xFFFF
    if bad_udp_csum:
        c ^= 0x5A5A
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hl = 20 + len(ipopts)
    total = hl + len(udp) if total is None else total
    nib = hl // 4 if ihl is None else ihl
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | nib, 0, total & 0xFFFF, ident, frag,
                      64, proto, 0, src, dst) + ipopts
    c = csum(hdr)
    if bad_ip_csum:
        c ^= 0x1111
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    pkt = hdr + udp
    if cut is not None:
        pkt = pkt[:cut]
    return b"\xff" * 6 + src_mac + b"\x08\x00" + pkt


# --- what the client sent ------------------------------------------------------

class Seen:
    """One client message: type, xid, chaddr, ciaddr, options 50 and 54."""

    def __init__(self, data):
        self.xid = data[4:8]
        self.ciaddr = data[12:16]
        self.chaddr = data[28:44]
        self.opts = {}
        i = 240
        while i < len(data) and data[i] != 255:
            if data[i] == 0:
                i += 1
                continue
            if i + 1 >= len(data):
                break
            self.opts[data[i]] = data[i + 2:i + 2 + data[i + 1]]
            i += 2 + data[i + 1]
        self.type = self.opts.get(53, b"\0")[0]
        self.requested = self.opts.get(50) or self.ciaddr

    @property
    def phase(self):
        if self.type == DISCOVER:
            return "discover"
        if self.type == REQUEST:
            return "renew" if self.ciaddr != bytes(4) else "request"
        return None


# --- the modes -----------------------------------------------------------------
# Each phase handler: (seen, mac) -> [(label, frame bytes)], sent in order.

def off(s, yiaddr=ROGUE_YIADDR, opts=None, **kw):
    """A rogue OFFER to `s` (seen), its own address and server id unless told."""
    return payload(s.xid, s.chaddr, yiaddr, [(53, bytes([OFFER]))]
                   + (lease_opts(ROGUE) if opts is None else opts), **kw)


def ack(s, yiaddr=None, opts=None, mtype=ACK, **kw):
    """An ACK (or NAK) to `s`; by default a spoof of the real server's: its
    server id, the address the client asks for."""
    y = s.requested if yiaddr is None else yiaddr
    return payload(s.xid, s.chaddr, y, [(53, bytes([mtype]))]
                   + (lease_opts() if opts is None else opts), **kw)


def nak(s, sid, msg=None):
    opts = [(54, sid)] + ([(56, msg)] if msg is not None else [])
    return payload(s.xid, s.chaddr, bytes(4), [(53, bytes([NAK]))] + opts)


BAD_SIDS = {"zero": bytes(4), "limited-broadcast": BCAST, "subnet-broadcast": b"\xc0\x00\x02\xff",
            "multicast": b"\xe0\x00\x00\x01", "loopback": b"\x7f\x00\x00\x01",
            "class-e": b"\xf0\x00\x00\x01"}


def offer_bad_sid(sid):
    return lambda s, m: [("OFFER sid " + ip4(sid),
                          frame(m, off(s, opts=lease_opts(sid))))]


def ack_bad_sids(s, m):
    return [("ACK sid " + ip4(sid), frame(m, ack(s, opts=lease_opts(sid))))
            for sid in BAD_SIDS.values()]


def nak_bad_sids(s, m):
    return [("NAK sid " + ip4(sid), frame(m, nak(s, sid))) for sid in BAD_SIDS.values()]


def offer_header_faults(s, m):
    bad_xid = bytes([s.xid[0] ^ 0xFF]) + s.xid[1:]
    other = bytearray(s.chaddr)
    other[5] ^= 0x01
    return [
        ("OFFER bad cookie", frame(m, off(s, cookie=b"\xde\xad\xbe\xef"))),
        ("OFFER wrong xid", frame(m, payload(bad_xid, s.chaddr, ROGUE_YIADDR,
                                             [(53, b"\x02")] + lease_opts(ROGUE)))),
        ("OFFER wrong chaddr", frame(m, payload(s.xid, bytes(other), ROGUE_YIADDR,
                                                [(53, b"\x02")] + lease_opts(ROGUE)))),
        ("OFFER broadcast yiaddr", frame(m, off(s, yiaddr=BCAST))),
        ("OFFER subnet broadcast yiaddr", frame(m, off(s, yiaddr=b"\xc0\x00\x02\xff"))),
        ("OFFER no server id", frame(m, off(s, opts=lease_opts(ROGUE)[1:]))),
        ("OFFER option past the end", frame(m, off(s, tail=b"\x0c\xf0" + b"A" * 20, end=False,
                                                   pad=False))),
    ]


def single(label, make, **fkw):
    return lambda s, m: [(label, frame(m, make(s), **fkw))]


# Class (a): an option of a bad length in a spoof of the real server's ACK:
# that option goes, the lease stays. Each bad value holds the rogue's address.
def ack_bad_len(code, value):
    def make(s):
        opts = [o for o in lease_opts() if o[0] != code]
        return ack(s, opts=opts + [(code, value), (15, b"kept.example")])
    return single("ACK option {} of length {}".format(code, len(value)), make)


# The same for the options a lease cannot stand without (lease time, server
# id, overload): the whole reply is dropped, as malformed.
def ack_vital_malformed(s, m):
    base = [o for o in lease_opts() if o[0] not in (51, 54)]
    return [("ACK lease time of length 3", frame(m, ack(s, opts=base + [(54, REAL),
                                                                        (51, b"\0\1\0")]))),
            ("ACK server id of length 5", frame(m, ack(s, opts=base + [(51, b"\0\0\2\x58"),
                                                                       (54, REAL + b"\0")]))),
            ("ACK overload 7", frame(m, ack(s, opts=lease_opts() + [(52, b"\x07")])))]


# Classless static routes (RFC 3442) that do not parse: left out, the router
# option (which they would override) stays.
def ack_bad_routes(s):
    return ack(s, opts=lease_opts() + [(121, bytes([33]) + bytes(4) + ROGUE),
                                       (15, b"kept.example")])


# Class (b): option 52 again inside an overloaded field: ignored there.
def ack_overload_in_file(s):
    # options field: 52 = 1 (file holds options). file: a domain, then 52 = 3
    # (which would make sname hold options too), END. sname: a router option
    # naming the rogue - read only if the 52 inside file were honoured.
    file = bytes([15, 12]) + b"file.example" + bytes([52, 1, 3, 255])
    sname = bytes([3, 4]) + ROGUE + bytes([255])
    return ack(s, opts=lease_opts() + [(52, b"\x01")], file=file, sname=sname)


def ack_overload_in_sname(s):
    # 52 = 2 (sname holds options); sname says 52 = 3; file holds a router
    # option naming the rogue (read only if that were honoured).
    sname = bytes([15, 13]) + b"sname.example" + bytes([52, 1, 3, 255])
    file = bytes([3, 4]) + ROGUE + bytes([255])
    return ack(s, opts=lease_opts() + [(52, b"\x02")], file=file, sname=sname)


# Class (d): free text with shell and terminal metacharacters.
def ack_evil_strings(s):
    return ack(s, opts=lease_opts() + [(12, b"h" + EVIL), (15, b"d" + EVIL), (17, b"/r" + EVIL),
                                       (252, b"http://w/" + EVIL), (119, b"\x03a`b\x00")],
               sname=b"s" + EVIL, file=b"f" + EVIL)


def nak_evil_message(s, m):
    return [("NAK message with metacharacters", frame(m, nak(s, REAL, b"no " + EVIL)))]


def request_rogue_server(s, m):
    """Replies to a REQUEST aimed at the real server, from another (usable) server id."""
    return [("NAK sid 192.0.2.66", frame(m, nak(s, ROGUE))),
            ("ACK sid 192.0.2.66", frame(m, ack(s, yiaddr=ROGUE_YIADDR,
                                                opts=lease_opts(ROGUE)))),
            ("ACK sid 192.0.2.66 same address", frame(m, ack(s, opts=lease_opts(ROGUE)))),
            ("ACK wrong yiaddr", frame(m, ack(s, yiaddr=ROGUE_YIADDR)))]


# Framing faults. The DISCOVER is answered with a rogue OFFER in faulty frames
# (taken, the client would end with the rogue's address), the REQUEST with a
# spoof of the real server's ACK in faulty frames marked "bad-frame.example"
# and then a correct copy marked "good-copy.example": the client binds with
# the copy, never with a faulty frame.
FAULTS = {
    "ip-checksum": [dict(bad_ip_csum=True)],
    "udp-checksum": [dict(bad_udp_csum=True)],
    "fragments": [dict(frag=0x2000), dict(frag=0x2000 | 37), dict(frag=37)],
    "bad-ip-options": [dict(ipopts=b"\x07\x27\x04" + bytes(1)), dict(ihl=15)],
    "wrong-ports": [dict(dport=67), dict(dport=69), dict(dport=6800), dict(proto=6)],
    "ip-length-beyond-frame": [dict(total=1400), dict(ulen=1200)],
    "truncated": [dict(cut=10), dict(cut=24), dict(cut=26), dict(cut=200), dict(cut=300)],
    "not-ipv4": [dict(version=6), dict(ihl=4)],
}


def faulty(name, phase):
    kws = FAULTS[name]

    def send(s, m):
        if phase == "discover":
            data = off(s)
        else:
            data = ack(s, opts=lease_opts() + [(15, b"bad-frame.example")])
        out = [("{} {} {}".format(TYPE_NAMES[data[242]], name, sorted(kw.items())),
                 frame(m, data, **kw)) for kw in kws]
        if phase == "request":
            good = ack(s, opts=lease_opts() + [(15, b"good-copy.example")])
            out.append(("ACK correct copy", frame(m, good)))
        return out
    return send


def framing(name):
    return {"discover": faulty(name, "discover"), "request": faulty(name, "request"),
            "once": ("request",)}


# Valid framing the client must take: IP options (NOP, NOP, router alert, END
# padding), in the ACK the client binds with (marked "ip-options.example").
def ack_ip_options(s, m):
    data = ack(s, opts=lease_opts() + [(15, b"ip-options.example")])
    return [("ACK with IP options", frame(m, data, ipopts=b"\x01\x01\x94\x04\x00\x00\x00\x00"))]


# Replies that are too big: a frame beyond what the daemon reads (4096 bytes,
# the veth's MTU raised by the test) carrying a rogue OFFER; then, to the
# REQUEST, a spoofed ACK of 1400 bytes (past the 576 the client announced)
# with long options split per RFC 3396 (marked "big.example"), which is fine.
def offer_jumbo(s, m):
    data = off(s, opts=lease_opts(ROGUE) + [(224, b"J" * 250)] * 30)
    return [("OFFER jumbo {} bytes".format(len(data)), frame(m, data))]


def ack_big(s, m):
    data = ack(s, opts=lease_opts() + [(15, b"big.example")] + [(224, b"B" * 255)] * 4
               + [(225, b"C" * 100)])
    return [("ACK big {} bytes".format(len(data)), frame(m, data))]


def renew_rogue_server(s, m):
    return [("NAK sid 192.0.2.66", frame(m, nak(s, ROGUE))),
            ("ACK sid 192.0.2.66", frame(m, ack(s, yiaddr=ROGUE_YIADDR, opts=lease_opts(ROGUE)))),
            ("ACK sid 255.255.255.255", frame(m, ack(s, opts=lease_opts(BCAST)))),
            ("NAK sid 0.0.0.0", frame(m, nak(s, bytes(4))))]


MODES = {
    "offer-bad-cookie-xid-chaddr-yiaddr": {"discover": offer_header_faults},
    "ack-bad-server-ids": {"request": ack_bad_sids},
    "nak-bad-server-ids": {"request": nak_bad_sids},
    "request-other-server": {"request": request_rogue_server},
    "renew-other-server": {"renew": renew_rogue_server},
    "ack-router-bad-length": {"request": ack_bad_len(3, ROGUE + b"\x01\x02"), "once": ("request",)},
    "ack-dns-bad-length": {"request": ack_bad_len(6, ROGUE + b"\x01"), "once": ("request",)},
    "ack-mask-bad-length": {"request": ack_bad_len(1, b"\xff\xff\xff"), "once": ("request",)},
    "ack-vital-options-malformed": {"request": ack_vital_malformed},
    "ack-routes-bad": {"request": single("ACK option 121 prefix 33", ack_bad_routes),
                       "once": ("request",)},
    "ack-overload-in-file": {"request": single("ACK 52 inside file", ack_overload_in_file),
                             "once": ("request",)},
    "ack-overload-in-sname": {"request": single("ACK 52 inside sname", ack_overload_in_sname),
                              "once": ("request",)},
    "ack-evil-strings": {"request": single("ACK strings with metacharacters", ack_evil_strings),
                         "once": ("request",)},
    "nak-evil-message": {"request": nak_evil_message, "once": ("request",)},
    "renew-evil-strings": {"renew": single("ACK strings with metacharacters", ack_evil_strings),
                           "once": ("renew",)},
    "ip-options": {"request": ack_ip_options, "once": ("request",)},
    "too-big": {"discover": offer_jumbo, "request": ack_big, "once": ("request",)},
}
for _name, _sid in BAD_SIDS.items():
    MODES["offer-sid-" + _name] = {"discover": offer_bad_sid(_sid)}
for _name in FAULTS:
    MODES["frame-" + _name] = framing(_name)

GATE_MATCH = {   # nft, on the real server's replies: UDP payload byte 242 is option
    # 53's value (servers put 53 first); replies go to 255.255.255.255 (the
    # client sets the broadcast flag) but for a renewing client's address
    "discover": "ip daddr 255.255.255.255 @th,2000,8 2",
    "request": "ip daddr 255.255.255.255 @th,2000,8 { 5, 6 }",
    "renew": "ip daddr != 255.255.255.255 @th,2000,8 { 5, 6 }",
}


def gate(nft, iface, phase, close):
    """Close (or open) the gate of `phase`: the real server's replies of that
    phase are dropped as they leave (netdev egress: before the wire and
    before this socket sees them, packet-socket servers included)."""
    table = "d4c_gate_" + phase
    if close:
        script = ("table netdev {t} {{\n chain eg {{\n  type filter hook egress device \"{i}\""
                  " priority 0;\n  ip saddr {r} udp sport 67 {m} drop\n }}\n}}\n").format(
                      t=table, i=iface, r=ip4(REAL), m=GATE_MATCH[phase])
    else:
        script = "delete table netdev {}\n".format(table)
    subprocess.run([nft, "-f", "-"], input=script.encode(), check=True)


def main():
    iface, mode, nft = sys.argv[1], sys.argv[2], sys.argv[3]
    spec = MODES[mode]
    once = spec.get("once", ())
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, ETH_P_ALL))
    mac = s.getsockname()[4]
    gates = [p for p in ("discover", "request", "renew") if p in spec]
    for p in gates:
        gate(nft, iface, p, close=True)
    done = set()
    print("ready", flush=True)
    while True:
        data, addr = s.recvfrom(65535)
        if data[12:14] != b"\x08\x00" or len(data) < 14 + 28:
            continue
        ip = data[14:]
        hl = (ip[0] & 0x0F) * 4
        if ip[9] != 17 or len(ip) < hl + 8 + 244:
            continue
        sport, dport = struct.unpack("!HH", ip[hl:hl + 4])
        dhcp = ip[hl + 8:]
        if dhcp[236:240] != MAGIC:
            continue
        msg = Seen(dhcp)
        if addr[2] == PACKET_OUTGOING:
            if ip[12:16] == REAL and sport == 67:
                print("real {} {} xid={}".format(TYPE_NAMES.get(msg.type, msg.type),
                                                ip4(dhcp[16:20]), msg.xid.hex()), flush=True)
            continue
        if dport != 67 or dhcp[0] != 1:
            continue
        print("seen {} xid={} ciaddr={} requested={}".format(
            TYPE_NAMES.get(msg.type, msg.type), msg.xid.hex(), ip4(msg.ciaddr),
            ip4(msg.requested)), flush=True)
        phase = msg.phase
        if phase not in spec or (phase in once and phase in done):
            continue
        for label, f in spec[phase](msg, mac):
            try:
                s.send(f)
                print("sent", label, flush=True)
            except OSError as e:
                print("not sent", label, e, flush=True)
        if phase not in done:
            done.add(phase)
            gate(nft, iface, phase, close=False)
            print("gate open", phase.upper(), flush=True)


if __name__ == "__main__":
    main()

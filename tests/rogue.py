"""A rogue DHCP responder for the dhcpc tests (scapy; runs in the server
namespace): answers every DISCOVER with malformed or malicious OFFERs and
every REQUEST with a spoofed ACK carrying shell metacharacters in its host
name and domain options.

    rogue.py IFACE SECONDS

Prints "ready" once sniffing, then one line per reply sent.
"""
import struct
import sys

from scapy.all import AsyncSniffer, Ether, IP, UDP, sendp  # noqa: E402

MAGIC = b"\x63\x82\x53\x63"
ROGUE = bytes([192, 0, 2, 66])
REAL = bytes([192, 0, 2, 1])


def reply(xid, chaddr, yiaddr, opts, cookie=MAGIC, raw_tail=b""):
    hdr = struct.pack("!BBBB4sHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4,
                      yiaddr, b"\0" * 4, b"\0" * 4, chaddr, b"", b"")
    body = b"".join(bytes([c, len(v)]) + v for c, v in opts)
    return hdr + cookie + body + raw_tail + b"\xff"


def main():
    iface, seconds = sys.argv[1], float(sys.argv[2])

    def send(payload, what):
        sendp(Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="192.0.2.66", dst="255.255.255.255")
              / UDP(sport=67, dport=68) / payload, iface=iface, verbose=False)
        print("sent", what, flush=True)

    def handle(pkt):
        if UDP not in pkt or pkt[UDP].dport != 67 or pkt[IP].src == "192.0.2.66":
            return
        data = bytes(pkt[UDP].payload)
        if len(data) < 244 or data[0] != 1:
            return
        xid, chaddr = data[4:8], data[28:44]
        opts = data[240:]
        mtype = opts[2] if opts[:2] == b"\x35\x01" else None
        base = [(51, struct.pack("!I", 60)), (1, b"\xff\xff\xff\0"), (3, REAL)]
        if mtype == 1:
            good = bytes([192, 0, 2, 77])
            send(reply(xid, chaddr, good, [(53, b"\x02"), (54, ROGUE)] + base,
                       cookie=b"\xde\xad\xbe\xef"), "bad cookie")
            bad_xid = bytes([xid[0] ^ 0xFF]) + xid[1:]
            send(reply(bad_xid, chaddr, good, [(53, b"\x02"), (54, ROGUE)] + base), "wrong xid")
            send(reply(xid, chaddr, b"\xff\xff\xff\xff", [(53, b"\x02"), (54, ROGUE)] + base),
                 "broadcast yiaddr")
            send(reply(xid, chaddr, good, [(53, b"\x02"), (54, ROGUE)] + base,
                       raw_tail=b"\x0c\xf0" + b"A" * 20), "overlong option")
        elif mtype == 3:
            req = b"\0" * 4
            i = 3
            while i + 1 < len(opts) and opts[i] != 255:
                if opts[i] == 0:
                    i += 1
                    continue
                if opts[i] == 50:
                    req = opts[i + 2:i + 6]
                i += 2 + opts[i + 1]
            if req == b"\0" * 4:
                req = data[12:16]
            send(reply(xid, chaddr, req, [(53, b"\x05"), (54, REAL)] + base
                       + [(12, b"$(touch /tmp/d4c-pwned)"), (15, b"x.example;touch /tmp/d4c-pwned"),
                          (119, b"\x03a`b\x00")]), "spoofed ACK with metacharacters")

    sn = AsyncSniffer(iface=iface, prn=handle, store=False)
    sn.start()
    import time
    time.sleep(0.3)
    print("ready", flush=True)
    time.sleep(seconds)
    sn.stop()


main()

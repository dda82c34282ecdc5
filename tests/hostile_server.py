"""A DHCP responder for renewals, for tests/test_hostile_strings.py: it
sends what no real server here will put on the wire - a DHCPNAK whose
message (option 56), and a DHCPACK whose domain search (119) and SIP names
(120), carry ESC, BEL, newline, shell metacharacters and bytes that are not
UTF-8 (Kea refuses or rewrites such names; dnsmasq sends no message).

    hostile_server.py IFACE SECONDS NAK_MESSAGE_HEX [ACK_OPTIONS_HEX ACKS]

Runs in the server namespace on IFACE (whose address, 192.0.2.1, it names
as its server identifier). The first ACKS renewing DHCPREQUESTs (ciaddr
set) it answers with a DHCPACK of ciaddr for 600 s, mask /24, router
192.0.2.1 and the raw option bytes ACK_OPTIONS_HEX (code, length, value
...); every other DHCPREQUEST with a DHCPNAK carrying option 56 = the bytes
of NAK_MESSAGE_HEX. All as Ethernet and IP broadcasts (RFC 2131 §4.3.2:
giaddr 0). It answers nothing else. Prints "ready" once listening, then
"ack XID" or "nak XID" for each reply; exits after SECONDS. Standard
library only (nothing of dhcp4c: it checks the client).
"""
import binascii
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
MAGIC = b"\x63\x82\x53\x63"
SERVER = socket.inet_aton("192.0.2.1")
BCAST = b"\xff\xff\xff\xff"


def ip_checksum(hdr):
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_udp(src, dst, payload):
    """IPv4 + UDP 67 -> 68 around payload (UDP checksum 0: none, RFC 768)."""
    udp = struct.pack("!HHHH", 67, 68, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", ip_checksum(hdr)) + hdr[12:]
    return hdr + udp


def options(payload):
    out, i = {}, 240
    while i < len(payload) and payload[i] != 255:
        if payload[i] == 0:
            i += 1
            continue
        if i + 1 >= len(payload):
            break
        out[payload[i]] = payload[i + 2:i + 2 + payload[i + 1]]
        i += 2 + payload[i + 1]
    return out


def reply(request, yiaddr, opts):
    xid, chaddr = request[4:8], request[28:44]
    hdr = struct.pack("!BBBB4sHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0x8000,
                      bytes(4), yiaddr, bytes(4), bytes(4), chaddr, b"", b"")
    return hdr + MAGIC + opts + b"\xff"


def nak(request, message):
    return reply(request, bytes(4),
                 bytes([53, 1, 6, 54, 4]) + SERVER + bytes([56, len(message)]) + message)


def ack(request, extra):
    opts = (bytes([53, 1, 5, 54, 4]) + SERVER + bytes([51, 4]) + struct.pack("!I", 600)
            + bytes([1, 4, 255, 255, 255, 0, 3, 4]) + SERVER + extra)
    return reply(request, request[12:16], opts)


def main():
    iface, seconds, message = sys.argv[1], float(sys.argv[2]), binascii.unhexlify(sys.argv[3])
    extra = binascii.unhexlify(sys.argv[4]) if len(sys.argv) > 4 else b""
    acks = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    s.bind((iface, ETH_P_IP))
    s.settimeout(0.2)
    print("ready", flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            data, addr = s.recvfrom(4096)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or len(data) < 20 or data[9] != 17:
            continue
        ihl = (data[0] & 15) * 4
        if struct.unpack("!H", data[ihl + 2:ihl + 4])[0] != 67:
            continue
        p = data[ihl + 8:]
        if len(p) < 244 or p[0] != 1 or p[236:240] != MAGIC:
            continue
        if options(p).get(53) != b"\x03":
            continue
        if acks and p[12:16] != bytes(4):
            acks -= 1
            what, out = "ack", ack(p, extra)
        else:
            what, out = "nak", nak(p, message)
        s.sendto(ip_udp(SERVER, BCAST, out), (iface, ETH_P_IP, 0, 0, b"\xff" * 6))
        print(what, p[4:8].hex(), flush=True)


main()

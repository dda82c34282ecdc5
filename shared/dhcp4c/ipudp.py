"""IPv4 + UDP headers for a client that sends and receives on a raw socket.

RFC 791 (IPv4), RFC 768 (UDP) and RFC 1071 (the Internet checksum). Used by
the Linux daemon's packet socket while it has no address; boards use the
stack's UDP socket and never need this module.
"""
from dhcp4c.errors import MalformedError

IP_HEADER = 20
UDP_HEADER = 8
PROTO_UDP = 17


def checksum_add(data, total=0):
    """RFC 1071 one's-complement sum of 16-bit words, not yet folded."""
    n = len(data)
    for i in range(0, n - 1, 2):
        total += (data[i] << 8) | data[i + 1]
    if n & 1:
        total += data[n - 1] << 8
    return total


def checksum_fold(total):
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip_checksum(data):
    return checksum_fold(checksum_add(data))


def _udp_sum(src, dst, udp):
    # RFC 768: pseudo-header = src, dst, zero, protocol, UDP length.
    total = checksum_add(src) + checksum_add(dst) + PROTO_UDP + len(udp)
    return checksum_fold(checksum_add(udp, total))


def _u16(buf, at, v):
    buf[at] = (v >> 8) & 0xFF
    buf[at + 1] = v & 0xFF


def build_ip_udp(src, dst, sport, dport, payload, ttl=64, ident=0, tos=0x10):
    """An IPv4 packet (no options, DF clear) carrying one UDP datagram."""
    ulen = UDP_HEADER + len(payload)
    total = IP_HEADER + ulen
    if total > 0xFFFF:
        raise ValueError("payload too large for one IPv4 packet")
    pkt = bytearray(total)
    pkt[0] = 0x45
    pkt[1] = tos & 0xFF
    _u16(pkt, 2, total)
    _u16(pkt, 4, ident)
    pkt[8] = ttl & 0xFF
    pkt[9] = PROTO_UDP
    pkt[12:16] = src
    pkt[16:20] = dst
    _u16(pkt, 10, ip_checksum(pkt[:IP_HEADER]))
    _u16(pkt, 20, sport)
    _u16(pkt, 22, dport)
    _u16(pkt, 24, ulen)
    pkt[28:] = payload
    csum = _udp_sum(src, dst, pkt[IP_HEADER:])
    _u16(pkt, 26, csum or 0xFFFF)  # RFC 768: a computed zero is sent as all ones
    return bytes(pkt)


def parse_ip_udp(packet, check_udp=True):
    """(src4, dst4, sport, dport, payload) of one IPv4/UDP packet.

    Raises MalformedError for a bad version or header length, a wrong IP
    header checksum, a fragment, a protocol other than UDP, IP options that
    do not parse (RFC 791 §3.1: an option's length past the header), inconsistent
    lengths, or (when check_udp) a wrong non-zero UDP checksum. A UDP
    checksum of zero means "not computed" (RFC 768) and is accepted; pass
    check_udp=False when the kernel says it has not filled it in yet.
    Bytes after the IP total length (link-layer padding) are ignored.
    """
    n = len(packet)
    if n < IP_HEADER:
        raise MalformedError("ip header", n, "truncated")
    if packet[0] >> 4 != 4:
        raise MalformedError("ip version", 0, "not IPv4")
    ihl = (packet[0] & 0x0F) * 4
    if ihl < IP_HEADER or ihl > n:
        raise MalformedError("ip header length", 0, "{} bytes is invalid".format(ihl))
    total = (packet[2] << 8) | packet[3]
    if total < ihl + UDP_HEADER or total > n:
        raise MalformedError("ip total length", 2, "{} does not fit {} bytes".format(total, n))
    if ip_checksum(packet[:ihl]) != 0:
        raise MalformedError("ip header checksum", 10, "wrong")
    if ((packet[6] & 0x3F) << 8) | packet[7] or packet[6] & 0x20:
        raise MalformedError("ip fragment", 6, "fragments are not reassembled")
    if packet[9] != PROTO_UDP:
        raise MalformedError("ip protocol", 9, "{} is not UDP".format(packet[9]))
    # RFC 791 options: END, NOP, or type, length (>= 2), data within the
    # header. The IP layer drops a packet whose options do not parse
    # (ip_options_compile on Linux); read straight off a packet socket, it
    # must be dropped here too, else a rogue's reply would get in this way.
    i = IP_HEADER
    while i < ihl:
        t = packet[i]
        if t == 0:
            break
        if t == 1:
            i += 1
            continue
        if i + 1 >= ihl or packet[i + 1] < 2 or i + packet[i + 1] > ihl:
            raise MalformedError("ip options", i, "option {} does not fit the header".format(t))
        i += packet[i + 1]
    udp = packet[ihl:total]
    ulen = (udp[4] << 8) | udp[5]
    if ulen < UDP_HEADER or ulen > len(udp):
        raise MalformedError("udp length", ihl + 4, "{} does not fit {} bytes".format(ulen, len(udp)))
    udp = udp[:ulen]
    if check_udp and (udp[6] or udp[7]):
        if _udp_sum(packet[12:16], packet[16:20], udp) != 0:
            raise MalformedError("udp checksum", ihl + 6, "wrong")
    return (bytes(packet[12:16]), bytes(packet[16:20]), (udp[0] << 8) | udp[1],
            (udp[2] << 8) | udp[3], bytes(udp[UDP_HEADER:]))

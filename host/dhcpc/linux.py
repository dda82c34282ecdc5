"""The Linux sockets: the packet socket with its BPF filter (open_packet), the
kernel UDP socket on the leased address (open_udp), netlink link events
(open_netlink, parse_link_events, link_running), and the constants the
daemon reads packets with.

- The packet socket (AF_PACKET/SOCK_DGRAM on one interface, classic BPF
  filter for IPv4/UDP to port 68) stays open for the whole run: opening one
  costs 10-25 ms. IPv4/UDP headers are built and checked with dhcp4c.ipudp;
  PACKET_AUXDATA tells when the kernel has not filled in the UDP checksum
  yet (TP_STATUS_CSUMNOTREADY, e.g. veth), and only then is it not checked.
- The UDP socket is bound to the leased address:68 on the interface
  (SO_BINDTODEVICE) while a lease is held: unicast REQUEST (RENEWING) and
  RELEASE go out through it, and its presence keeps the kernel from
  answering unicast replies with ICMP port-unreachable (replies are read on
  the packet socket, which sees them first).
- A netlink RTMGRP_LINK socket reports carrier and interface add/remove.

Everything here is _socket (the C module: the `socket` wrapper imports enum,
start-up time) and int.from_bytes/to_bytes instead of struct.
"""
import sys

import _socket as socket

from dhcp4c.lease import addr_str

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_CSUMNOTREADY = 8
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26
SO_BINDTODEVICE = 25
IP_FREEBIND = 15
BCAST_MAC = b"\xff" * 6

# Classic BPF on the network header (SOCK_DGRAM): IPv4, UDP, not a fragment,
# destination port 68.
_BPF = (
    (0x30, 0, 0, 9),          # ldb [9]            protocol
    (0x15, 0, 6, 17),         # jeq #17 (UDP)      else drop
    (0x28, 0, 0, 6),          # ldh [6]            flags/fragment offset
    (0x45, 4, 0, 0x1FFF),     # jset #0x1fff       fragment: drop
    (0xB1, 0, 0, 0),          # ldxb 4*([0]&0xf)   IP header length
    (0x48, 0, 0, 2),          # ldh [x+2]          UDP destination port
    (0x15, 0, 1, 68),         # jeq #68            else drop
    (0x06, 0, 0, 0x40000),    # ret: accept
    (0x06, 0, 0, 0),          # ret: drop
)


def host_int(data, at, size, signed=False):
    """The integer in host byte order at data[at:at + size] (netlink, auxdata)."""
    return int.from_bytes(data[at:at + size], sys.byteorder, signed=signed)


def sock_fprog(prog):
    """struct sock_fprog for the classic BPF `prog` ((code, jt, jf, k) tuples),
    and the instructions it points at: keep those referenced until the kernel
    has copied them (setsockopt returned)."""
    # struct sock_filter { u16 code; u8 jt, jf; u32 k; } in host byte order.
    bo = sys.byteorder
    code = b"".join(c.to_bytes(2, bo) + bytes((jt, jf)) + k.to_bytes(4, bo)
                    for c, jt, jf, k in prog)
    # struct sock_fprog { u16 len; struct sock_filter *filter; } needs the
    # address of the instructions. array.buffer_info() has it on any Python,
    # but importing array pulls in collections.abc (~2.5 ms of start-up with
    # python3 -I -S), ctypes as much; on CPython it costs nothing and is safe:
    # - id(obj) is the object's address (the docs of id(): "CPython
    #   implementation detail"), and CPython never moves an object;
    # - a bytes object is one allocation, its data inline in it: PyBytesObject
    #   ends in char ob_sval[] holding len + 1 bytes (the trailing NUL;
    #   Include/cpython/bytesobject.h);
    # - bytes.__sizeof__() is offsetof(PyBytesObject, ob_sval) + 1 + len
    #   (Objects/bytesobject.c), and sys.getsizeof() adds nothing to it for
    #   bytes (it adds a GC header only to GC-tracked types), so
    #   sys.getsizeof(b"") - 1 is offsetof(PyBytesObject, ob_sval);
    # - the kernel copies the instructions during setsockopt(SO_ATTACH_FILTER)
    #   (sk_attach_filter), while attach_bpf's frame still holds `code`.
    # tests/test_dhcpc.py checks the address against ctypes' own pointer to
    # the bytes and reads the instructions back through it.
    if sys.implementation.name == "cpython":
        addr = id(code) + sys.getsizeof(b"") - 1
    else:
        import array
        code = array.array("B", code)
        addr = code.buffer_info()[0]
    ptr = 8 if sys.maxsize > 2 ** 32 else 4     # the pointer is aligned to its size
    fprog = len(prog).to_bytes(2, bo) + bytes(ptr - 2) + addr.to_bytes(ptr, bo)
    return fprog, code


def attach_bpf(sock, prog):
    """Attach the classic BPF `prog` to `sock` (SO_ATTACH_FILTER)."""
    fprog, code = sock_fprog(prog)
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    return code


def open_packet(iface):
    """The packet socket for one interface: bound, filtered, non-blocking, auxdata on."""
    # Protocol 0 at socket(): no packet hook is registered until bind(), so
    # bind() does not have to unhook one first (synchronize_net(), ~10 ms),
    # and nothing can be queued before the filter is attached.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    try:
        attach_bpf(s, _BPF)
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.bind((iface, ETH_P_IP))
        s.setblocking(False)
        while True:    # anything queued before the filter was attached
            try:
                s.recv(4096)
            except BlockingIOError:
                break
    except BaseException:
        s.close()
        raise
    return s


def open_arp(iface):
    """A packet socket for ARP on one interface, bound and non-blocking (the
    -a probe, arp.py; the link-local fallback, ipv4ll.py)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ARP))
    try:
        s.bind((iface, ETH_P_ARP))
        s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


def open_udp(iface, addr):
    """Kernel UDP socket on addr:68, bound to the interface (IP_FREEBIND: the
    script may not have configured the address yet)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
        s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
        s.bind((addr_str(addr), 68))
        s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


def open_netlink():
    # A plain AF_NETLINK socket joined to RTMGRP_LINK: no dependency (pyroute2
    # would cost ~100 ms of imports and a package) and ~30 lines to parse the
    # two messages we need (RTM_NEWLINK/RTM_DELLINK: index, flags, name).
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    try:
        s.bind((0, 1))    # RTMGRP_LINK
        s.setblocking(False)
    except BaseException:
        s.close()
        raise
    return s


IFF_UP = 0x1
IFF_RUNNING = 0x40


def parse_link_events(data):
    """[(type, index, flags, name)] of RTM_NEWLINK (16) / RTM_DELLINK (17) messages."""
    out, i = [], 0
    while i + 16 <= len(data):
        ln, typ = host_int(data, i, 4), host_int(data, i + 4, 2)   # struct nlmsghdr
        if ln < 16 or i + ln > len(data):
            break
        if typ in (16, 17) and ln >= 32:
            # struct ifinfomsg { u8 family, pad; u16 type; s32 index; u32 flags; u32 change; }
            index = host_int(data, i + 20, 4, signed=True)
            flags = host_int(data, i + 24, 4)
            name, j = None, i + 32
            while j + 4 <= i + ln:
                alen, atype = host_int(data, j, 2), host_int(data, j + 2, 2)   # struct rtattr
                if alen < 4:
                    break
                if atype == 3:   # IFLA_IFNAME
                    name = data[j + 4:j + alen].split(b"\0", 1)[0].decode(errors="replace")
                j += (alen + 3) & ~3
            out.append((typ, index, flags, name))
        i += (ln + 3) & ~3
    return out


def link_running(iface):
    try:
        with open("/sys/class/net/{}/operstate".format(iface)) as f:
            st = f.read().strip()
        with open("/sys/class/net/{}/flags".format(iface)) as f:
            fl = int(f.read().strip(), 0)
    except (OSError, ValueError):
        return False
    return bool(fl & IFF_UP) and st in ("up", "unknown")

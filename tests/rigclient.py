"""Send raw DHCP payloads and print the replies; runs on CPython and MicroPython.

    rigclient.py IFACE TIMEOUT_MS < payloads.hex     (one hex payload a line)

Binds UDP 0.0.0.0:68 on IFACE (SO_BINDTODEVICE; the interface may have no
address), sends each payload to 255.255.255.255:67 and waits up to
TIMEOUT_MS for a reply with the same xid (bytes 4..8) before sending the
next. Payloads come on stdin, not argv: the MicroPython unix port dies
("FATAL: uncaught NLR") on a command-line argument of 256 characters or more. Prints every reply whose xid was sent as `R <hex>`, one per line.
Standard library only (the subset MicroPython's unix port has). Used by
tests/rig.py exchange() inside a Lab's client namespace.
"""
import binascii
import select
import socket
import sys

try:
    from time import ticks_diff, ticks_ms
except ImportError:  # CPython
    import time

    def ticks_ms():
        return int(time.monotonic() * 1000)

    def ticks_diff(a, b):
        return a - b

SOL_SOCKET = 1
SO_BINDTODEVICE = 25


def main(argv):
    iface = argv[1]
    timeout = int(argv[2])
    payloads = [binascii.unhexlify(h.strip()) for h in sys.stdin.read().split("\n")
                if h.strip()]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    s.bind(socket.getaddrinfo("0.0.0.0", 68)[0][-1])
    dest = socket.getaddrinfo("255.255.255.255", 67)[0][-1]
    poller = select.poll()
    poller.register(s, select.POLLIN)
    sent = []
    for p in payloads:
        xid = p[4:8]
        sent.append(xid)
        s.sendto(p, dest)
        start = ticks_ms()
        while True:
            left = timeout - ticks_diff(ticks_ms(), start)
            if left <= 0 or not poller.poll(left):
                break
            reply = s.recv(4096)
            if reply[4:8] in sent:
                print("R " + binascii.hexlify(reply).decode())
                if reply[4:8] == xid:
                    break
    s.close()


main(sys.argv)

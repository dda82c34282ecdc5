"""dhcpc - a DHCPv4 client daemon for Linux, udhcpc-compatible (flags and script ABI).

An adapter only: every protocol decision is dhcp4c.client.Client's. This
package does the I/O around it, a module per concern:

- cli      udhcpc's flags -> dhcp4c Config, the manual (--help), main(), the
           -r default from manifest.json;
- script   the udhcpc script ABI: the option table (udhcpc's names), the
           script's environment, the shipped dhcpc.script;
- linux    the Linux sockets: a packet socket (AF_PACKET/SOCK_DGRAM, classic
           BPF filter for IPv4/UDP to port 68) open for the whole run, a
           kernel UDP socket on the leased address:68 while a lease is held
           (unicast REQUEST and RELEASE; it keeps the kernel from answering
           unicast replies with ICMP port-unreachable), netlink RTMGRP_LINK
           for carrier and interface add/remove;
- arp      the RFC 5227 ARP probe of a new address (-a), served by the main loop;
- ipv4ll   RFC 3927 link-local addressing, the --ipv4ll fallback (probe,
           announce, defence), served by the main loop the same way;
- daemon   the main loop around one Client: events -> script runs, signals,
           lease file (INIT-REBOOT after a restart), pidfile, fork;
- control  the control protocol on a Unix socket (--control, dhcpctl),
           imported at the first quiet moment so it is never on the way to a
           lease.

`python3 -I -S host/dhcpc ARGS` runs it from a checkout (__main__), the
installed `dhcpc` command is host/bin/dhcpc, and `import dhcpc;
dhcpc.main(argv)` is the same from Python.

Start-up is kept lean (time to the first DISCOVER counts the interpreter's
start): `import dhcpc` loads everything that path needs - cli, daemon and
their imports - and that is only posix, sys, _socket, select, _signal, time
and the dhcp4c core, all but dhcp4c built into the interpreter. What comes
later is imported when first needed: os (the lease file's directory, after
`bound`), syslog (-S), arp (-a, once a lease is offered), ipv4ll (at the
fallback, with hashlib) and control (at the first quiet moment).
"""
# posix, not os: the interpreter has loaded posix (which os wraps) before it
# runs anything, while os with posixpath, stat and _collections_abc costs
# ~2 ms of start-up. Likewise no struct (int.from_bytes/to_bytes instead).
import posix
import sys

PROG = "dhcpc"         # the prefix of log lines and usage errors


def _exists(path):
    try:
        posix.stat(path)
    except (OSError, ValueError):
        return False
    return True


# The directory holding this package, absolute (no os.path: see above): host/
# in a checkout, where dhcpc.script is and whose parent is the repository
# root; site-packages when installed.
HOST = __file__.rpartition("/")[0].rpartition("/")[0]
if not HOST.startswith("/"):
    HOST = posix.getcwd() + ("/" + HOST if HOST else "")
if _exists(HOST + "/../shared/dhcp4c"):
    # Run from a checkout: dhcp4c from its shared/.
    sys.path.insert(0, HOST + "/../shared")

from .cli import main  # noqa: E402

__all__ = ["main"]

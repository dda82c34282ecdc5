"""The NIC side of dhcp4c_board: bring up, link state, apply / remove a lease.

Uses only MicroPython's network NIC API, so it works unchanged on every
port and on the unix virtual board (boards/unix/network.py):
    nic.active(True), nic.isconnected(), nic.status(), nic.config('mac'),
    network.hostname(...) / nic.config(hostname=...),
    nic.ipconfig(dhcp4=False, addr4=(ip, mask), gw4=gw) + network.ipconfig(dns=...)
    (MicroPython >= 1.24), else nic.ifconfig((ip, mask, gw, dns)).
Per NIC kind:
- WIZNET5K: ipconfig(addr4=...) is reported not to take there, so the lease
  goes in with ifconfig() even on >= 1.24;
- every other NIC: ipconfig() where the port has it, ifconfig() before 1.24.
The lease's values come from the network: they are 4-byte bytes formatted
here as dotted quads, never strings passed through.
"""
import network

from dhcp4c.errors import MalformedError
from dhcp4c.lease import addr_str
from dhcp4c.options import routes

_ZERO = "0.0.0.0"


def _q(a, default=_ZERO):
    return default if a is None else addr_str(a)


def _ipconfig(nic):
    """True when the lease goes in with nic.ipconfig() (MicroPython >= 1.24)."""
    return hasattr(nic, "ipconfig") and type(nic).__name__ != "WIZNET5K"


def mac(nic):
    return bytes(nic.config("mac"))


def up(nic, hostname=None):
    """Activate, turn the port's own DHCP client off, set the hostname."""
    nic.active(True)
    if hasattr(nic, "ipconfig"):
        try:
            nic.ipconfig(dhcp4=False)
        except (OSError, ValueError, TypeError):
            pass                # ports without a built-in client
    if not _ipconfig(nic):      # < 1.24, WIZNET5K: a static ifconfig stops lwIP's DHCP
        nic.ifconfig((_ZERO, _ZERO, _ZERO, _ZERO))
    if hostname:
        try:
            network.hostname(hostname)
        except (AttributeError, OSError, ValueError):
            try:
                nic.config(hostname=hostname)
            except (OSError, ValueError, TypeError):
                pass            # this port cannot set it; option 12 still carries it


def link(nic, fn=None):
    """True when the link is up: fn(nic) when given (ports whose
    isconnected() waits for an address), else isconnected(), else status()."""
    if fn is not None:
        return bool(fn(nic))
    try:
        return bool(nic.isconnected())
    except AttributeError:
        return bool(nic.status())


def gateway(lease):
    """The router the NIC's default route goes to (4 bytes or None).
    RFC 3442 §2: with classless routes (121, else Microsoft's 249) in the
    lease the Router option (3) is ignored, so the gateway is the router of
    their default route (0.0.0.0/0), and there is none when they have no
    default route. Without them, option 3's first router. A NIC has one
    gateway: the other routes are the application's (Lease.routes)."""
    o = lease.options
    raw = o.get(121)
    if raw is None:
        raw = o.get(249)
    if raw is None:
        return lease.router
    try:
        for dest, width, router in routes(raw):
            if width == 0:
                return router
    except MalformedError:  # decode() drops a misshapen one; never the lease here
        return lease.router
    return None


def apply(nic, lease):
    """The lease (or a static fallback made a dhcp4c.lease.Lease) on the NIC:
    address, mask, gateway(), first DNS server."""
    ip = _q(lease.address)
    mask = _q(lease.mask, "255.255.255.0")
    gw = _q(gateway(lease), None)
    dns = _q(lease.dns[0]) if lease.dns else None
    if _ipconfig(nic):
        if gw:
            nic.ipconfig(addr4=(ip, mask), gw4=gw)
        else:
            nic.ipconfig(addr4=(ip, mask))
        if dns:
            try:
                network.ipconfig(dns=dns)
            except (AttributeError, OSError, ValueError):
                pass
    else:
        nic.ifconfig((ip, mask, gw or _ZERO, dns or _ZERO))


def remove(nic):
    if _ipconfig(nic):
        nic.ipconfig(addr4=(_ZERO, _ZERO))
    else:
        nic.ifconfig((_ZERO, _ZERO, _ZERO, _ZERO))

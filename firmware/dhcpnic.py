"""The NIC side of the firmware: bring up, link state, apply / remove a lease.

Uses only MicroPython's network NIC API, so it works unchanged on every
profile and on the unix virtual board (boards/unix/network.py):
    nic.active(True), nic.isconnected(), nic.status(), nic.config('mac'),
    nic.config(hostname=...) / network.hostname(...),
    nic.ipconfig(dhcp4=False, addr4=(ip, mask), gw4=gw) + network.ipconfig(dns=...)
    (MicroPython >= 1.24), else nic.ifconfig((ip, mask, gw, dns)).
The lease's values come from the network: they are 4-byte bytes formatted
here as dotted quads, never strings passed through.

Functions of the NIC object the profile's nic() made, not a class: on a
board a class keeps ~0.2 KB of heap for nothing here.
"""
import network

from dhcp4c.lease import addr_str

_ZERO = "0.0.0.0"


def _q(a, default=_ZERO):
    return default if a is None else addr_str(a)


def _new_api(nic):
    return hasattr(nic, "ipconfig")     # MicroPython >= 1.24


def mac(nic):
    return bytes(nic.config("mac"))


def up(nic, board):
    """Activate, turn the port's own DHCP client off, set the hostname."""
    nic.active(True)
    if _new_api(nic):
        try:
            nic.ipconfig(dhcp4=False)
        except (OSError, ValueError, TypeError):
            pass                # ports without a built-in client
    else:                       # < 1.24: a static ifconfig stops lwIP's DHCP
        nic.ifconfig((_ZERO, _ZERO, _ZERO, _ZERO))
    name = getattr(board, "HOSTNAME", None)
    if name:
        try:
            network.hostname(name)
        except (AttributeError, OSError, ValueError):
            try:
                nic.config(hostname=name)
            except (OSError, ValueError, TypeError):
                pass            # this port cannot set it; option 12 still carries it


def link(nic, board):
    """True when the link is up: the profile's link(nic) when it has one
    (ports whose isconnected() waits for an address), else isconnected(),
    else status()."""
    f = getattr(board, "link", None)
    if f is not None:
        return bool(f(nic))
    try:
        return bool(nic.isconnected())
    except AttributeError:
        return bool(nic.status())


def apply(nic, lease):
    ip = _q(lease.address)
    mask = _q(lease.mask, "255.255.255.0")
    gw = _q(lease.router, None)
    dns = _q(lease.dns[0]) if lease.dns else None
    if _new_api(nic):
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
    if _new_api(nic):
        nic.ipconfig(addr4=(_ZERO, _ZERO))
    else:
        nic.ifconfig((_ZERO, _ZERO, _ZERO, _ZERO))

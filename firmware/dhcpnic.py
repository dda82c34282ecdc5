"""The NIC side of the firmware: bring up, link state, apply / remove a lease.

Uses only MicroPython's network NIC API, so it works unchanged on every
profile and on the unix virtual board (boards/unix/network.py):
    nic.active(True), nic.isconnected(), nic.status(), nic.config('mac'),
    nic.config(hostname=...) / network.hostname(...),
    nic.ipconfig(dhcp4=False, addr4=(ip, mask), gw4=gw) + network.ipconfig(dns=...)
    (MicroPython >= 1.24), else nic.ifconfig((ip, mask, gw, dns)).
The lease's values come from the network: they are 4-byte bytes formatted
here as dotted quads, never strings passed through.
"""
import network

from dhcp4c.lease import addr_str

_ZERO = "0.0.0.0"


def _q(a, default=_ZERO):
    return default if a is None else addr_str(a)


class Nic:
    def __init__(self, board):
        self.board = board
        self.nic = board.nic()
        self.new_api = hasattr(self.nic, "ipconfig")

    def mac(self):
        return bytes(self.nic.config("mac"))

    def up(self):
        """Activate, turn the port's own DHCP client off, set the hostname."""
        nic = self.nic
        nic.active(True)
        if self.new_api:
            try:
                nic.ipconfig(dhcp4=False)
            except (OSError, ValueError, TypeError):
                pass                # ports without a built-in client
        else:                       # < 1.24: a static ifconfig stops lwIP's DHCP
            nic.ifconfig((_ZERO, _ZERO, _ZERO, _ZERO))
        name = getattr(self.board, "HOSTNAME", None)
        if name:
            try:
                network.hostname(name)
            except (AttributeError, OSError, ValueError):
                try:
                    nic.config(hostname=name)
                except (OSError, ValueError, TypeError):
                    pass            # this port cannot set it; option 12 still carries it

    def link(self):
        """True when the link is up: the profile's link(nic) when it has one
        (ports whose isconnected() waits for an address), else isconnected(),
        else status()."""
        f = getattr(self.board, "link", None)
        if f is not None:
            return bool(f(self.nic))
        try:
            return bool(self.nic.isconnected())
        except AttributeError:
            return bool(self.nic.status())

    def apply(self, lease):
        ip = _q(lease.address)
        mask = _q(lease.mask, "255.255.255.0")
        gw = _q(lease.router, None)
        dns = _q(lease.dns[0]) if lease.dns else None
        if self.new_api:
            if gw:
                self.nic.ipconfig(addr4=(ip, mask), gw4=gw)
            else:
                self.nic.ipconfig(addr4=(ip, mask))
            if dns:
                try:
                    network.ipconfig(dns=dns)
                except (AttributeError, OSError, ValueError):
                    pass
        else:
            self.nic.ifconfig((ip, mask, gw or _ZERO, dns or _ZERO))

    def remove(self):
        if self.new_api:
            self.nic.ipconfig(addr4=(_ZERO, _ZERO))
        else:
            self.nic.ifconfig((_ZERO, _ZERO, _ZERO, _ZERO))

    def close(self):
        pass

"""Bad local input to the Linux daemon (issue 17, item 7): a lease file that
is garbage, cut short, out of range or another interface's, and a lease file
that cannot be written while bound. Each costs one line on stderr, never a
traceback, and the daemon still gets (and keeps) its lease.

Flags are in test_dhcpc.py (test_bad_flags_one_line_exit_2), garbage on the
control channel in test_control_fuzz.py and test_dhcpc_control.py.
"""
import os
import signal
import time

import pytest

from dhcpcrig import Run

pytestmark = pytest.mark.usefixtures("lab")


def line(addr="192.0.2.150", lt="3600", exp=None):
    exp = str(int(time.time()) + 600) if exp is None else exp
    return "dhcp4c1 {} 255.255.255.0 192.0.2.1 {} {}".format(addr, lt, exp)


CORRUPT = {
    "empty": b"",
    "truncated": line().encode()[:20],
    "binary": bytes(range(256)) * 8,
    "escape sequences": b"\x1b[2J\x1b]0;owned\x07 dhcp4c1",
    "not utf-8": b"dhcp4c1 192.0.2.150 \xff\xfe - 60 -",
    "huge lease time": line(lt="9" * 40).encode(),
    "expiry past the lease time": line(lt="60", exp=str(int(time.time()) + 10 ** 9)).encode(),
    "loopback address": line(addr="127.0.0.1").encode(),
    "owner line not text": line().encode() + b"\n\xff\xfe\x1b\n",
}


def started_without(r, res):
    """The run bound by DISCOVER, said one line about the file, and no traceback."""
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    said = [ln for ln in res.stderr.splitlines() if "lease file" in ln]
    assert len(said) == 1 and "starting without it" in said[0], res.stderr
    assert "\x1b" not in res.stderr and "\x07" not in res.stderr
    assert "sending discover" in res.stderr
    assert r.names()[-1] == "bound"


@pytest.mark.parametrize("what", sorted(CORRUPT))
def test_corrupt_lease_file_one_line_then_discover(lab, what):
    lab.dnsmasq()
    r = Run(lab, ["-q", "-f"])
    with open(r.leasefile, "wb") as f:
        f.write(CORRUPT[what])
    started_without(r, r.run())


def test_lease_file_is_only_used_by_its_interface_and_mac(lab):
    lab.dnsmasq()
    first = Run(lab, ["-q", "-f"], name="first")
    assert first.run().returncode == 0
    with open(first.leasefile) as f:
        kept = f.read().splitlines()
    assert len(kept) == 2 and kept[1].startswith("iface {} mac ".format(lab.client_if)), kept
    mac = kept[1].split()[-1]
    # The same file, as this interface wrote it: INIT-REBOOT, no DISCOVER.
    again = Run(lab, ["-q", "-f"], name="again", leasefile=first.leasefile)
    res = again.run()
    assert res.returncode == 0 and "sending discover" not in res.stderr, res.stderr
    for owner in ("iface x{} mac {}".format(lab.client_if, mac),
                  "iface {} mac 02:00:5e:00:53:01".format(lab.client_if)):
        r = Run(lab, ["-q", "-f"], name="other")
        with open(r.leasefile, "w") as f:
            f.write("\n".join([kept[0], owner, ""]))
        res = r.run()
        started_without(r, res)
        assert "another interface or MAC" in res.stderr


def test_unwritable_lease_file_keeps_the_lease(lab):
    lab.dnsmasq()
    d = os.path.join(lab.tmp, "no-such-dir-file")
    with open(d, "w") as f:
        f.write("a file where a directory should be\n")
    r = Run(lab, ["-f"], leasefile=os.path.join(d, "dhcpc.lease")).start()
    r.wait_action("bound")
    # renewals go on, and each failed write is one warning, not an exit
    r.signal(signal.SIGUSR1)
    r.wait_action("renew")
    assert r.proc.poll() is None
    log = r.log()
    assert "Traceback" not in log and log.count("lease file") >= 2, log
    r.signal(signal.SIGTERM)
    assert r.proc.wait(5) == 0

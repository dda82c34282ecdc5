"""Real DHCP servers for the namespace rig: Kea, ISC dhcpd and busybox udhcpd.

Each starts inside lab.server_ns on lab.server_if with its own config, pid
and lease files in lab.tmp, serving 192.0.2.100-199 (documentation range)
with the options below, and returns the Popen (stopped by the Lab).
dnsmasq lives in rig.Lab.dnsmasq().
"""
import json
import os

from rig import need_tool

POOL = ("192.0.2.100", "192.0.2.199")
ROUTER = "192.0.2.1"
DNS = "192.0.2.53"
DOMAIN = "example.com"


def kea(lab, lease=120, t1=None, t2=None, ntp=None):
    d = lab.tmp
    subnet = {"id": 1, "subnet": "192.0.2.0/24",
              "pools": [{"pool": "{} - {}".format(*POOL)}],
              "option-data": [{"name": "routers", "data": ROUTER},
                              {"name": "domain-name-servers", "data": DNS},
                              {"name": "domain-name", "data": DOMAIN},
                              {"name": "domain-search", "data": "example.com, lab.example.com"}]}
    conf = {"Dhcp4": {
        "interfaces-config": {"interfaces": [lab.server_if], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "memfile", "persist": True,
                           "name": os.path.join(d, "kea-leases4.csv"), "lfc-interval": 0},
        "valid-lifetime": lease, "min-valid-lifetime": 1, "max-valid-lifetime": max(lease, 86400),
        "authoritative": True,
        "subnet4": [subnet],
        "loggers": [{"name": "kea-dhcp4", "severity": "DEBUG", "debuglevel": 50,
                     "output_options": [{"output": "stdout"}]}]}}
    if ntp is not None:
        subnet["option-data"].append({"name": "ntp-servers", "data": ntp})
    if t1 is not None:
        conf["Dhcp4"]["renew-timer"] = t1
    if t2 is not None:
        conf["Dhcp4"]["rebind-timer"] = t2
    return run_kea(lab, conf)


def run_kea(lab, conf, name="kea-dhcp4.conf"):
    """Start kea-dhcp4 with the config `conf` (a dict, written to lab.tmp/name)
    in the server namespace, its pid and lock files in lab.tmp; waits until it
    listens on port 67."""
    exe = need_tool("kea-dhcp4")
    d = lab.tmp
    path = os.path.join(d, name)
    with open(path, "w") as f:
        json.dump(conf, f, indent=1)
    env = dict(os.environ, KEA_PIDFILE_DIR=d, KEA_LOCKFILE_DIR=d, KEA_LOG_CHECK_VERBOSE="0")
    p = lab.start([exe, "-c", path], ns="server", name="kea", env=env)
    lab.wait_udp_port(67, ns="server", proc=p, timeout=10)
    return p


def isc_dhcpd(lab, lease=120, ping_check=True):
    exe = need_tool("dhcpd")
    d = lab.tmp
    leases = os.path.join(d, "dhcpd.leases")
    open(leases, "w").close()
    conf = os.path.join(d, "dhcpd.conf")
    with open(conf, "w") as f:
        f.write("authoritative;\ndefault-lease-time {0};\nmin-lease-time 1;\n"
                "max-lease-time {0};\nddns-update-style none;\n{6}"
                "subnet 192.0.2.0 netmask 255.255.255.0 {{\n"
                "  range {1} {2};\n  option routers {3};\n"
                "  option domain-name-servers {4};\n  option domain-name \"{5}\";\n"
                "}}\n".format(lease, POOL[0], POOL[1], ROUTER, DNS, DOMAIN,
                             "" if ping_check else "ping-check false;\n"))
    p = lab.start([exe, "-f", "-d", "-4", "-cf", conf, "-lf", leases,
                   "-pf", os.path.join(d, "dhcpd.pid"), "--no-pid", lab.server_if],
                  ns="server", name="dhcpd")
    lab.wait_udp_port(67, ns="server", proc=p, timeout=10)
    return p


def udhcpd(lab, lease=120):
    exe = need_tool("busybox")
    d = lab.tmp
    conf = os.path.join(d, "udhcpd.conf")
    with open(conf, "w") as f:
        f.write("start {}\nend {}\ninterface {}\nlease_file {}\npidfile {}\n"
                "max_leases 100\nauto_time 1\nopt lease {}\nopt subnet 255.255.255.0\n"
                "opt router {}\nopt dns {}\nopt domain {}\n".format(
                    POOL[0], POOL[1], lab.server_if, os.path.join(d, "udhcpd.leases"),
                    os.path.join(d, "udhcpd.pid"), lease, ROUTER, DNS, DOMAIN))
    # -a: its ARP probe before an offer would otherwise take 2 s.
    p = lab.start([exe, "udhcpd", "-f", "-a", "100", conf], ns="server", name="udhcpd")
    lab.wait_udp_port(67, ns="server", proc=p, timeout=10)
    return p


START = {"kea": kea, "dhcpd": isc_dhcpd, "udhcpd": udhcpd}
ALL = ("dnsmasq", "kea", "dhcpd", "udhcpd")


def start(lab, name, lease=120, **kw):
    """Start server `name` (one of ALL). dnsmasq keeps its own lease default
    (it refuses leases under 2 min); Kea's T1/T2 and dhcpd's ping_check go
    through **kw."""
    if name == "dnsmasq":
        return lab.dnsmasq()
    return START[name](lab, lease=lease, **kw)

"""Human-readable option names, for host tools only (not copied to boards).

Names follow udhcpc's environment variables where udhcpc has one, so logs,
`dhcpctl` and the daemon's script environment read the same.
"""

NAMES = {
    1: "subnet", 2: "timezone", 3: "router", 4: "timesrv", 5: "namesrv", 6: "dns",
    7: "logsrv", 8: "cookiesrv", 9: "lprsrv", 10: "impresssrv", 11: "rlpsrv",
    12: "hostname", 13: "bootsize", 14: "meritdump", 15: "domain", 16: "swapsrv",
    17: "rootpath", 18: "extpath", 19: "ipforward", 20: "srcroute", 21: "policyfilter",
    22: "maxreasm", 23: "ipttl", 24: "mtuaging", 25: "mtuplateau", 26: "mtu",
    27: "subnetslocal", 28: "broadcast", 29: "maskdiscovery", 30: "masksupplier",
    31: "routerdiscovery", 32: "routersolicit", 33: "routes", 34: "trailers",
    35: "arptimeout", 36: "ethencap", 37: "tcpttl", 38: "tcpkeepalive",
    39: "tcpkeepgarbage", 40: "nisdomain", 41: "nissrv", 42: "ntpsrv", 43: "vendorinfo",
    44: "wins", 45: "nbdd", 46: "nbnodetype", 47: "nbscope", 48: "xfontsrv",
    49: "xdm", 50: "requestip", 51: "lease", 52: "overload", 53: "msgtype",
    54: "serverid", 55: "paramreq", 56: "message", 57: "maxsize", 58: "renewal",
    59: "rebinding", 60: "vendorclass", 61: "clientid", 62: "nwipdomain",
    64: "nisplusdomain", 65: "nisplussrv", 66: "tftp", 67: "bootfile", 68: "homeagent",
    69: "smtpsrv", 70: "popsrv", 71: "nntpsrv", 72: "wwwsrv", 73: "fingersrv",
    74: "ircsrv", 75: "stsrv", 76: "stdasrv", 80: "rapidcommit", 81: "fqdn",
    82: "agentinfo", 100: "tzposix", 101: "tzdb", 108: "ipv6only", 119: "search",
    121: "staticroutes", 150: "tftpsrvs", 249: "msstaticroutes",
}

_BY_NAME = None


def name(code):
    """The option's name, or "optNNN" (udhcpc's form) when it has none."""
    return NAMES.get(code) or "opt{}".format(code)


def code(text):
    """An option code from a name ("dns"), a number ("6") or "optNNN"; None if unknown."""
    global _BY_NAME
    if _BY_NAME is None:
        _BY_NAME = dict((v, k) for k, v in NAMES.items())
    text = text.strip().lower()
    if text.startswith("opt") and text[3:].isdigit():
        text = text[3:]
    if text.isdigit():
        n = int(text)
        return n if 0 < n < 255 else None
    return _BY_NAME.get(text)

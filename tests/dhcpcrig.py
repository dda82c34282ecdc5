"""Helpers for the dhcpc daemon tests: start host/dhcpc in a Lab's client
namespace with a recording script, wait for script actions, read its log.

Every run gets its own lease file, pid file and script log in lab.tmp, and
/etc/netns/<client_ns>/resolv.conf exists for the Lab's lifetime, so scripts
that write /etc/resolv.conf (Debian's udhcpc default.script) write the
namespace's copy (`ip netns exec` bind-mounts it), never the host's.
"""
import os
import shutil
import signal
import time

import rig

DHCPC = os.path.join(rig.REPO, "host", "dhcpc")     # the package: its __main__
OUR_SCRIPT = os.path.join(rig.REPO, "host", "dhcpc.script")
DEBIAN_SCRIPT = "/etc/udhcpc/default.script"

RECORDER = """#!/bin/sh
# test script: records the action and the environment, then runs our default
# script so that the address really is configured (unicast replies need it)
# as one printf; a long environment may still reach the file in several
# writes, so each record ends with a line "==end" and readers skip a record
# that has not got it yet
rec="== $1
$(env | sort)
==end"
printf '%s\n' "$rec" >> "$DHCPC_TEST_LOG"
exec /bin/sh "$DHCPC_SCRIPT" "$@"
"""


def netns_resolv(lab):
    """Give the client namespace its own /etc/resolv.conf (removed at teardown)."""
    d = os.path.join("/etc/netns", lab.client_ns)
    if os.path.isdir(d):
        return
    os.makedirs(d)
    with open(os.path.join(d, "resolv.conf"), "w") as f:
        f.write("# test namespace\n")
    orig_close = lab.close

    def close():
        try:
            orig_close()
        finally:
            shutil.rmtree(d, ignore_errors=True)
    lab.close = close


class Run:
    """One dhcpc process in lab's client namespace."""

    def __init__(self, lab, args=(), script="record", name="dhcpc", env=None, leasefile=None,
                 control=True):
        netns_resolv(lab)
        self.lab = lab
        base = os.path.join(lab.tmp, name)
        self.actions_path = base + ".actions"
        self.pidfile = base + ".pid"
        self.leasefile = leasefile or base + ".lease"
        if script == "record":
            script = base + ".sh"
            with open(script, "w") as f:
                f.write(RECORDER)
            os.chmod(script, 0o755)
        e = dict(os.environ, DHCPC_TEST_LOG=self.actions_path, DHCPC_SCRIPT=OUR_SCRIPT,
                 RESOLV_CONF=os.path.join(lab.tmp, name + ".resolv"))
        e.update(env or {})
        self.cmd = rig.interpreter("python") + ["-I", "-S", DHCPC, "-i", lab.client_if,
                                                 "--leasefile", self.leasefile]
        if script:
            self.cmd += ["-s", script]
        if control and not any(str(a).startswith("--control") for a in args):
            # the control socket in lab.tmp: /run is shared by every Lab
            # (control=False: the daemon's default path)
            self.cmd += ["--control", base + ".sock"]
        self.cmd += list(args)
        self.env = e
        self.proc = None

    def start(self):
        self.proc = self.lab.start(self.cmd, name=os.path.basename(self.actions_path), env=self.env)
        return self

    def run(self, timeout=30):
        return self.lab.run(self.cmd, check=False, timeout=timeout, env=self.env)

    def log(self):
        return self.lab.log(self.proc) if self.proc else ""

    def actions(self):
        """[(action, {env})] recorded so far."""
        try:
            with open(self.actions_path) as f:
                text = f.read()
        except OSError:
            return []
        out = []
        for block in text.split("== ")[1:]:
            lines = block.split("\n")
            if "==end" not in lines:
                break           # still being written
            lines = lines[:lines.index("==end")]
            env = {}
            for ln in lines[1:]:
                k, sep, v = ln.partition("=")
                if sep:
                    env[k] = v
            out.append((lines[0].strip(), env))
        return out

    def names(self):
        return [a for a, _ in self.actions()]

    def wait_action(self, action, count=1, timeout=20.0):
        """Wait until `action` has been recorded `count` times; returns its last env."""
        deadline = time.monotonic() + timeout
        while True:
            acts = [e for a, e in self.actions() if a == action]
            if len(acts) >= count:
                return acts[count - 1]
            if self.proc is not None and self.proc.poll() is not None and not self.pidfile_pid():
                raise AssertionError("dhcpc exited {} before {} x{}; actions {}\n{}".format(
                    self.proc.returncode, action, count, self.names(), self.log()))
            if time.monotonic() > deadline:
                raise AssertionError("no {} x{} after {} s; actions {}\n{}".format(
                    action, count, timeout, self.names(), self.log()))
            time.sleep(0.02)

    def pidfile_pid(self):
        try:
            with open(self.pidfile) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def signal(self, sig):
        pid = self.pidfile_pid() or self.proc.pid
        os.kill(pid, sig)

    def kill_daemon(self):
        """Stop a forked daemon (we started it; its pid is in our pidfile)."""
        pid = self.pidfile_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def addr_of(lab):
    """IPv4 addresses on the client interface (ip -4 -o addr)."""
    out = lab.run(["ip", "-4", "-o", "addr", "show", "dev", lab.client_if]).stdout
    return [ln.split()[3] for ln in out.splitlines()]

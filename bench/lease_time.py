"""Time from process start to the `bound` script call: dhcpc vs busybox udhcpc
(and dhclient / dhcpcd when installed), against one dnsmasq (no ping check) in
a namespace rig; then the same under 20 % server->client loss.

    .venv/bin/python bench/lease_time.py [RUNS] [LOSS_RUNS]    (root; make bench)

Each run: flush the client interface, start the client through
`ip netns exec` (the same overhead for every client), and stop the clock when
its script reports `bound` through a FIFO; the clients take turns, one run
each per round. Peak RSS is the client's VmHWM just before it is stopped
(each client stays running after `bound`). Prints median / min / max / p90
in ms, peak RSS, the ratio of medians to udhcpc's, and issue 4's targets.
dhcpc runs three ways: imported with `-I -S` by the venv's interpreter
("dhcpc") and by the distribution's ("dhcpc/sys"), and as the `dhcpc`
command that `pip install .` puts in a fresh venv ("dhcpc/pip").
The row "(python)" is no client: the interpreter starting and calling the
script straight away, the floor under any client written in Python.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.join(REPO, "shared"))

import chart  # noqa: E402
import rig  # noqa: E402

SVG = os.path.join(REPO, "docs", "performance", "lease_time.svg")

SCRIPT = """#!/bin/sh
case "$1$reason" in bound|BOUND|REBOOT) echo b > "{fifo}";; esac
exit 0
"""


def clients(lab, script, tmp):
    py = rig.interpreter("python")[0]
    # dhcpc imported as a module (its byte code cached, as for the installed
    # console script), with -I -S: no site-packages processing at start-up.
    launch = "import sys; sys.path.insert(0, {!r}); import dhcpc; sys.exit(dhcpc.main())".format(
        os.path.join(REPO, "host"))
    flags = ["-i", lab.client_if, "-f", "-s", script,
             "--leasefile", os.path.join(tmp, "dhcpc.lease"),   # see main()
             # its control socket as by default, but in the lab's directory:
             # runs end with SIGKILL
             "--control", os.path.join(tmp, "dhcpc.sock")]
    args = ["-I", "-S", "-c", launch] + flags
    out = [("dhcpc", [py] + args)]
    # The distribution's python3 too (what `#!/usr/bin/python3` runs), when it
    # is another build of the same version: the venv's interpreter here is a
    # pyenv build (shared libpython, no PGO/LTO) that starts ~3 ms slower
    # than Debian's.
    sys_py = "/usr/bin/python3"
    same = "import sys; sys.exit(sys.version_info[:2] != {!r})".format(tuple(sys.version_info[:2]))
    if (os.path.exists(sys_py) and os.path.realpath(sys_py) != os.path.realpath(py)
            and subprocess.run([sys_py, "-c", same]).returncode == 0):
        out.append(("dhcpc/sys", [sys_py] + args))
    fastest = sys_py if len(out) > 1 else py
    # The `dhcpc` command as `pip install .` leaves it (host/bin/dhcpc,
    # site-packages processing and all), in a venv of the same interpreter.
    venv = os.path.join(tmp, "venv")
    r = rig.pip_install(fastest, venv)
    if r.returncode == 0:
        out.append(("dhcpc/pip", [os.path.join(venv, "bin", "dhcpc")] + flags))
    else:
        print("bench/lease_time.py: pip install . failed, no dhcpc/pip row:", r.stderr.strip())
    # Not a client: the fastest a Python program can call its script - the
    # interpreter starting (-I -S) and spawning the script at once, no DHCP.
    # What dhcpc takes beyond this row is its imports and the exchange.
    floor = ("import posix; posix.waitpid(posix.posix_spawn({0!r}, [{0!r}, 'bound'], {{}}), 0)"
             .format(script))
    out.append(("(python)", [fastest, "-I", "-S", "-c", floor]))
    if shutil.which("udhcpc", path="/usr/sbin:/sbin:/usr/bin:/bin"):
        out.append(("udhcpc", ["udhcpc", "-f", "-i", lab.client_if, "-s", script]))
    dhclient = rig.tool("dhclient")
    if dhclient:
        out.append(("dhclient", [dhclient, "-1", "-d", "-4", "-sf", script,
                                 "-lf", os.path.join(tmp, "dhclient.leases"),
                                 "-pf", os.path.join(tmp, "dhclient.pid"), lab.client_if]))
    dhcpcd = rig.tool("dhcpcd")
    if dhcpcd:
        conf = os.path.join(tmp, "dhcpcd.conf")
        with open(conf, "w") as f:
            f.write("nodelay\nnoarp\nnoipv4ll\nipv4only\nnohook resolv.conf\n")
        out.append(("dhcpcd", [dhcpcd, "-B", "-1", "-4", "-f", conf, "-c", script,
                               "--noarp", "-t", "30", lab.client_if]))
    return out


def fifo_script(lab, text):
    """A directory in the lab, a FIFO in it, and the clients' script `text`
    ({fifo} filled in), which says `bound` by writing to the FIFO."""
    tmp = tempfile.mkdtemp(dir=lab.tmp)
    fifo = os.path.join(tmp, "bound.fifo")
    os.mkfifo(fifo)
    script = os.path.join(tmp, "script.sh")
    with open(script, "w") as f:
        f.write(text.format(fifo=fifo))
    os.chmod(script, 0o755)
    return tmp, fifo, script


def one_run(lab, cmd, fifo, timeout=30.0):
    lab.client_flush()
    t0 = time.monotonic()
    p = subprocess.Popen(["ip", "netns", "exec", lab.client_ns] + cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    elapsed = None
    try:
        import select
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        deadline = t0 + timeout
        while elapsed is None:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if poll.poll(left * 1000) and os.read(fd, 64):
                elapsed = time.monotonic() - t0
            else:
                time.sleep(0.001)   # writer not there yet (EOF): poll again
    finally:
        os.close(fd)
        rss = hwm(p.pid)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
    return elapsed, rss


def hwm(pid):
    """Peak RSS (VmHWM, MB) of a running process: `ip netns exec` execs the
    client in place, and exec starts a new memory map, so this is the client's
    own (wait4's ru_maxrss would include the forked bench process)."""
    try:
        with open("/proc/{}/status".format(pid)) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def bench(lab, cl, fifo, runs):
    """Round-robin: each round starts every client once, so the machine's
    drift (other load, caches) falls on all clients alike; in blocks of one
    client at a time, medians moved 2-3 ms between identical runs."""
    acc = [[name, [], 0.0, 0] for name, _ in cl]
    for _ in range(runs):
        for row, (_, cmd) in zip(acc, cl):
            t, r = one_run(lab, cmd, fifo)
            row[2] = max(row[2], r)
            if t is None:
                row[3] += 1
            else:
                row[1].append(t * 1000)
    return [tuple(row) for row in acc]


def table(title, rows, runs):
    print("\n{} ({} runs each)".format(title, runs))
    print("{:10} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6} {:>10}".format(
        "client", "median ms", "min ms", "max ms", "p90 ms", "RSS MB", "fails", "vs udhcpc"))
    ref = {n: t for n, t, _, _ in rows}.get("udhcpc")
    refm = pct(ref, 0.5) if ref else None
    for name, times, rss, fails in rows:
        if not times:
            print("{:10} {:>9}".format(name, "no lease"))
            continue
        med = pct(times, 0.5)
        print("{:10} {:9.1f} {:9.1f} {:9.1f} {:9.1f} {:9.1f} {:6d} {:>10}".format(
            name, med, min(times), max(times), pct(times, 0.9), rss, fails,
            "{:.2f}x".format(med / refm) if refm else "-"))
    verdict(rows, refm)


def verdict(rows, udhcpc_median):
    """Issue 4's targets, for each of our rows of the table just printed:
    median <= the fastest peer's and <= 0.5x udhcpc's."""
    med = {n: pct(t, 0.5) for n, t, _, _ in rows if t}
    ours = [n for n in med if n.split("/")[0] == "dhcpc"]
    peers = [n for n in med if n not in ours and not n.startswith("(")]
    if not peers:
        return
    fastest = min(peers, key=med.get)
    for n, times, _, _ in rows:
        if n not in ours:
            continue
        line = "target {}: {:.1f} ms vs fastest peer {} {:.1f} ms {}".format(
            n, med[n], fastest, med[fastest], "met" if med[n] <= med[fastest] else "MISSED")
        if udhcpc_median:
            r = med[n] / udhcpc_median
            line += "; {:.2f}x udhcpc {}".format(r, "met" if r <= 0.5 else "MISSED")
        print(line + "; p90 {:.0f} ms".format(pct(times, 0.9)))


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    loss_runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    if os.geteuid() != 0:
        print("bench/lease_time.py: needs root (network namespaces); skipped")
        return 0
    with rig.Lab() as lab:
        tmp, fifo, script = fifo_script(lab, SCRIPT)
        lab.dnsmasq(lease="1h")
        cl = clients(lab, script, tmp)
        # dhclient (-lf) and dhcpcd (/var/lib/dhcpcd) keep their lease files
        # between runs and start with INIT-REBOOT (REQUEST/ACK); dhcpc does
        # the same from its --leasefile, written here once by a run with -q
        # (a timed run is killed at `bound`, before it saves). udhcpc keeps
        # no lease: it always goes through DISCOVER/OFFER/REQUEST/ACK.
        seed = [a if a != script else "/bin/true" for a in dict(cl)["dhcpc"]] + ["-q"]  # no FIFO
        lab.client_flush()
        subprocess.run(["ip", "netns", "exec", lab.client_ns] + seed,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30, check=True)
        # Warm caches: the page cache, and dhcpc's byte code (-I ignores
        # PYTHONDONTWRITEBYTECODE, so the first run writes it).
        for name, cmd in cl:
            one_run(lab, cmd, fifo)
        base = bench(lab, cl, fifo, runs)
        table("time from start to bound, dnsmasq on a veth", base, runs)
        lab.loss(20)
        lossy = bench(lab, cl, fifo, loss_runs)
        table("same with 20 % of server replies dropped", lossy, loss_runs)
    chart.write(SVG, lease_chart(base, lossy, runs, loss_runs))
    print("\nchart: {}".format(os.path.relpath(SVG, REPO)))
    return 0


def lease_chart(base, lossy, runs, loss_runs, date=None):
    """The two tables as one SVG (bench/chart.py): a pair of bars per client,
    median and p90, without and with loss; the "(python)" row, no client,
    as a dashed line (the floor under a Python client)."""
    by_name = [dict((n, (t, f)) for n, t, _, f in rows) for rows in (base, lossy)]
    names = [n for n, _, _, _ in base if not n.startswith("(")]
    rows = []
    for n in names:
        cells = []
        for table_ in by_name:
            times, fails = table_.get(n, ([], 0))
            if not times:
                cells.append(None)
                continue
            note = "{} no lease".format(fails) if fails else ""
            cells.append((pct(times, 0.5), pct(times, 0.9), note))
        rows.append((n, cells))
    floor = by_name[0].get("(python)", ([], 0))[0]
    refs = [("Python starting, no DHCP:", pct(floor, 0.5))] if floor else []
    subtitle = [
        "{} runs without loss, {} with 20 % of server replies dropped; all but udhcpc start "
        "from a lease file (INIT-REBOOT)".format(runs, loss_runs),
        "{} \u00b7 {} \u00b7 bench/lease_time.py {} {}".format(
            date or time.strftime("%Y-%m-%d"), rig_line(), runs, loss_runs)]
    return chart.bars(rows, ["no loss", "20 % of replies dropped"],
                      title="Time to lease: client start to its bound script call, "
                            "against dnsmasq over a veth pair",
                      subtitle=subtitle, xlabel="ms from start to bound", refs=refs)


def rig_line():
    """The machine in a few words: CPUs, kernel, distribution."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].replace("(R)", "").replace("(TM)", "").strip()
                    break
    except OSError:
        pass
    distro = ""
    try:
        with open("/etc/os-release") as f:
            kv = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        distro = kv.get("PRETTY_NAME", "").strip('"').replace(" GNU/Linux", "")
    except OSError:
        pass
    return "{} CPUs{}, Linux {}{}".format(os.cpu_count(), " " + model if model else "",
                                         os.uname().release.split("-")[0],
                                         ", " + distro if distro else "")


if __name__ == "__main__":
    sys.exit(main())

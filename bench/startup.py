"""What the Linux daemon imports before its first DISCOVER, in time.

    .venv/bin/python bench/startup.py [RUNS]        # make bench: 30

`python3 -I -S -X importtime -c "import dhcpc"` from host/ (the start path:
cli, daemon, script, linux and the dhcp4c core), cumulative, median of RUNS,
with the venv's interpreter and with /usr/bin/python3 (byte code already
compiled: a first run writes it); then what dhcp4c.control adds, which the
daemon imports right after the first DISCOVER is on the wire. No root
needed; nothing is sent.
"""
import os
import statistics
import subprocess
import sys

HOST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host")
START = "import sys; sys.path.insert(0, '.'); import dhcpc"
CONTROL = START + "; import dhcp4c.control"


def cumulative_us(python, code, module, runs):
    """Median over `runs` of the cumulative import time of `module` (µs)."""
    subprocess.run([python, "-I", "-S", "-c", code], cwd=HOST, check=True)
    out = []
    for _ in range(runs):
        r = subprocess.run([python, "-I", "-S", "-X", "importtime", "-c", code], cwd=HOST,
                           capture_output=True, text=True, check=True)
        for line in r.stderr.splitlines():
            if line.rstrip().endswith("| " + module):
                out.append(int(line.split("|")[1]))
    return statistics.median(out)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print("daemon start path, python3 -I -S -X importtime, median of {} runs".format(runs))
    for python in (sys.executable, "/usr/bin/python3"):
        if not os.path.exists(python):
            continue
        start = cumulative_us(python, START, "dhcpc", runs)
        control = cumulative_us(python, CONTROL, "dhcp4c.control", runs)
        print("  {:<40} import dhcpc {:6.2f} ms; then dhcp4c.control {:5.2f} ms".format(
            python, start / 1000, control / 1000))


if __name__ == "__main__":
    main()

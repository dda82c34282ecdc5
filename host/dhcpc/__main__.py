"""`python3 -I -S host/dhcpc ARGS` from a checkout, `python3 -m dhcpc ARGS`
where installed: runs the daemon (dhcpc.main) and exits with its status.

Run as a directory, Python has put this package's own directory first on
sys.path. Its parent (host/ in a checkout) goes there instead, so that
`dhcpc` is this package and its modules are not top-level names; importing
the package then puts the repository's shared/ (dhcp4c) on the path, as it
does for `import dhcpc` from host/.

Running a directory goes through runpy, which imports os, collections,
contextlib and importlib.util (~4 ms of start-up): where start-up time
matters, the `dhcpc` command (host/bin/dhcpc) or `import dhcpc;
dhcpc.main()` under `python3 -I -S` start faster.
"""
import sys

if __name__ == "__main__":
    if not __package__:
        # __file__ is absolute (Python >= 3.9 makes the run path absolute).
        sys.path[0] = __file__.rpartition("/")[0].rpartition("/")[0]
    from dhcpc import main
    sys.exit(main())

#!/usr/bin/env python3
"""Flash dhcp4c and the firmware onto a MicroPython board with mpremote.

    scripts/flash.py --board NAME --port PORT [--app FILE] [--source] [--no-reset]
    (make flash BOARD=NAME PORT=PORT [APP=FILE])

PORT is anything mpremote connects to: /dev/ttyACM0, socket://127.0.0.1:N
(the virtual board, scripts/vboard.py)...
1. The file list is manifest.json's board_files (-> /lib/dhcp4c/), its
   firmware_files (-> /lib/, main.py -> /), and boards[NAME]: the profile
   (-> /board.py) plus its extra files (-> /lib/); manifest.json itself too.
   With --app FILE, FILE goes to /main.py instead of the standalone
   firmware's main.py: the board boots the application.
   A board whose firmware has dhcp4c frozen in (make firmware) gets only the
   profile, main.py and manifest.json: frozen modules come before /lib on a
   board's sys.path, so copies there would never load. A frozen version
   other than ours is an error (rebuild the image).
2. The board's .mpy version (sys.implementation._mpy) is compared with our
   mpy-cross's: equal -> .mpy files (bytecode only, any arch); otherwise, or
   with --source, the .py sources are copied. .mpy files are built with
   mpy-cross -O3 (MPY_OPTS): no line numbers in tracebacks (the firmware
   reports exceptions by type and message) and no asserts (the code has
   none), for about 7% less flash.
3. The board reports a sha256 of each destination; only differing files are
   copied (`mpremote cp`), in one mpremote session.
4. Reset: `mpremote reset` (machine.reset); boards marked "reset": "soft" in
   the manifest (the unix virtual board) get Ctrl-D at the friendly REPL,
   which ends the unix port, and vboard.py boots it again with main.py.
mpremote is always used with `resume` (no soft reset on connect: that would
end the unix port; on a real board Ctrl-C stops the running firmware).
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, ".venv", "bin")


def tool(name):
    p = os.path.join(BIN, name)
    return p if os.path.exists(p) else (shutil.which(name) or name)


def say(*a):
    print("flash:", *a, flush=True)


MPY_OPTS = ["-O3"]


def compile_mpy(src, out):
    """src (a .py in the repo) -> out (.mpy), as it goes onto a board."""
    subprocess.run([tool("mpy-cross")] + MPY_OPTS + ["-o", out, "-s", os.path.basename(src),
                                                      src], check=True)


def mpremote(port, *args, check=True, timeout=120):
    cmd = [tool("mpremote"), "connect", port, "resume"] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise SystemExit("flash: mpremote {} failed ({}):\n{}{}".format(
            " ".join(args[:2]), r.returncode, r.stdout, r.stderr))
    return r.stdout


def plan(board, app=None):
    """[(source path in repo, destination on board, compile?)], the board's
    manifest entry. Files that stay in the firmware when it has them frozen
    are marked by plan_frozen()."""
    with open(os.path.join(REPO, "manifest.json")) as f:
        m = json.load(f)
    if board not in m["boards"]:
        raise SystemExit("flash: unknown BOARD {!r}; one of: {}".format(
            board, ", ".join(sorted(m["boards"]))))
    b = m["boards"][board]
    out = []
    for f in m["board_files"]:
        out.append((f, "lib/dhcp4c/" + os.path.basename(f), True))
    for f in m["firmware_files"]:
        name = os.path.basename(f)
        if name == "main.py":
            out.append((os.path.relpath(os.path.abspath(app), REPO) if app else f, name, False))
        else:
            out.append((f, "lib/" + name, True))
    out.append((b["profile"], "board.py", False))
    for f in b.get("files", ()):
        out.append((f, "lib/" + os.path.basename(f), True))
    out.append(("manifest.json", "manifest.json", False))
    return out, b


def frozen_ones(files):
    """The entries of plan() a firmware with dhcp4c frozen in already holds:
    every compiled module (dhcp4c, the board library, the board's extra
    modules)."""
    return [f for f in files if f[2]]


def our_mpy():
    r = subprocess.run([tool("mpy-cross"), "--version"], capture_output=True, text=True)
    v = r.stdout.split("mpy v")[-1].strip()     # "6.3"
    major, _, minor = v.partition(".")
    return int(major), int(minor or 0)


_HASH = """import os
try:
    import hashlib, binascii
except ImportError:
    hashlib = None
for d in ('lib', 'lib/dhcp4c'):
    try:
        os.mkdir(d)
    except OSError:
        pass
print('MPY', getattr(__import__('sys').implementation, '_mpy', 0))
try:
    import dhcp4c_board as m
    try:
        os.stat(m.__file__)      # a frozen module has a __file__ but no file
        print('FROZEN - -')
    except OSError:
        print('FROZEN', m.VERSION, m.__file__)
except Exception:
    print('FROZEN - -')
for p in {paths!r}:
    try:
        with open(p, 'rb') as f:
            data = f.read()
    except OSError:
        print('H', p, '-')
        continue
    h = binascii.hexlify(hashlib.sha256(data).digest()).decode() if hashlib else len(data)
    print('H', p, h)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--board", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--app", help="install this application as main.py")
    ap.add_argument("--source", action="store_true", help="copy .py, never .mpy")
    ap.add_argument("--no-reset", action="store_true")
    a = ap.parse_args()
    if a.app and not os.path.isfile(a.app):
        raise SystemExit("flash: no such application file: {}".format(a.app))
    files, binfo = plan(a.board, a.app)
    all_dst = [d[:-3] + ".mpy" if c else d for _, d, c in files]
    all_dst += [d for _, d, c in files if c]          # the other form, to remove it
    out = mpremote(a.port, "exec", _HASH.format(paths=all_dst))
    have = {}
    board_mpy = 0
    frozen = None
    for line in out.splitlines():
        f = line.split()
        if f[:1] == ["MPY"]:
            board_mpy = int(f[1])
        elif f[:1] == ["FROZEN"] and len(f) == 3 and f[1] != "-":
            frozen = f[1]
        elif f[:1] == ["H"] and len(f) == 3:
            have[f[1]] = f[2]
    stale = []
    if frozen is not None:
        version = json.load(open(os.path.join(REPO, "manifest.json")))["version"]
        if frozen != version:
            raise SystemExit("flash: the board's firmware has dhcp4c {} frozen in, which "
                             "comes before /lib: build an image of {} (make firmware) and "
                             "flash that first".format(frozen, version))
        say("dhcp4c {} is frozen into the board's firmware: copying the profile and "
            "main.py only".format(frozen))
        held = frozen_ones(files)
        files = [f for f in files if f not in held]
        for _, dst, _ in held:      # copies from before the image: dead weight
            for p in (dst, dst[:-3] + ".mpy"):
                if have.get(p, "-") != "-":
                    stale.append(p)
    mine = our_mpy()
    theirs = (board_mpy & 0xFF, (board_mpy >> 8) & 3)
    use_mpy = not a.source and board_mpy and theirs == mine
    if any(comp for _, _, comp in files):
        say("board .mpy {}.{}, mpy-cross {}.{}: copying {}".format(
            theirs[0], theirs[1], mine[0], mine[1], ".mpy" if use_mpy else ".py sources"))
    tmp = tempfile.mkdtemp(prefix="dhcp4c-flash-")
    try:
        cmds, total = [], 0
        for src, dst, comp in files:
            path = os.path.join(REPO, src)
            if comp and use_mpy:
                dst = dst[:-3] + ".mpy"
                out_path = os.path.join(tmp, dst.replace("/", "_"))
                compile_mpy(path, out_path)
                path = out_path
                stale.append(dst[:-4] + ".py")
            elif comp:
                stale.append(dst[:-3] + ".mpy")
            with open(path, "rb") as f:
                data = f.read()
            if dst.endswith(".mpy") and not src.startswith("boards/"):
                total += len(data)
            if have.get(dst) != hashlib.sha256(data).hexdigest():
                cmds += ["cp", path, ":" + dst, "+"]
        stale = [p for p in stale if have.get(p, "-") != "-"]
        if stale:   # an old .py would shadow nothing, an old .mpy would shadow new .py
            cmds += ["exec", "import os\nfor p in {!r}: os.remove(p)".format(stale), "+"]
        if cmds:
            say("{} file(s) changed".format(cmds.count("cp")))
            mpremote(a.port, *cmds[:-1])
        else:
            say("nothing changed")
        if use_mpy and frozen is None:
            say("dhcp4c + firmware as .mpy: {} bytes".format(total))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if a.no_reset:
        return
    if binfo.get("reset") == "soft":
        import serial
        s = serial.serial_for_url(a.port, timeout=1)
        s.write(b"\r\x03\x03\x02")       # stop anything, leave raw REPL
        time.sleep(0.2)
        s.write(b"\x04")                 # Ctrl-D at the REPL: the unix port exits
        time.sleep(0.2)
        s.close()
    else:
        mpremote(a.port, "reset", check=False)
    say("reset {}".format(a.board))


if __name__ == "__main__":
    main()

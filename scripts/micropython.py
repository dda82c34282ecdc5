#!/usr/bin/env python3
"""Build MicroPython v1.28 from source, so tests run on the word size real boards have.

    python3 scripts/micropython.py                    # everything (scripts/bootstrap.sh runs this)
    python3 scripts/micropython.py --firmware BOARD   # make firmware BOARD=unix|qemu|<board>

The PyPI `micropython` is the 64-bit unix port; boards are 32-bit (31-bit small ints,
ticks that wrap at 2**30). Built into build/micropython/ (git-ignored):

    bin/mpy-cross                native mpy-cross
    bin/micropython-i386         i386 unix port as a board's stock firmware: asyncio, and the
                                 unix board's `network` module (boards.unix.files), which on
                                 a real board is built into the firmware in C
    bin/micropython-i386-frozen  the same plus the unix virtual board's files frozen in:
                                 manifest.json board_files, firmware_files but main.py, and
                                 boards.unix.files (frozen as top-level modules)
    qemu/plain.elf               Cortex-M3 (qemu MPS2_AN385), nothing of ours frozen:
                                 the baseline for flash size
    qemu/dhcp4c.elf              the same with board_files frozen
    qemu/tests.elf               all of shared/dhcp4c and tests/core/*.py frozen (the qemu
                                 port has no filesystem)
    frozen.json                  what each image froze ({image: {frozen path: source}}),
                                 so tests/rig.py can tell a stale image

The source is $MICROPY_SRC (a v1.28 tree or release tarball), else
shared/micropython/micropython-*-src.tar.xz in the parent of the project folder or of any
ancestor, else the same next to the folder this clone came from (a local `origin`, as in
CI's fresh clone). Without one: one line, exit 0 (exit 1 when DHCP4C_CI is set). A tarball
is unpacked into build/micropython/src; the tree is only read, objects go to
build/micropython/obj/NAME.

Every run is an incremental make: MicroPython regenerates frozen content on each make and
relinks only when it changed, and a no-op run of all six builds takes about a second, so no
stamp of our own is needed. make tracks neither the source tree's identity nor its own
flags, so an object folder is wiped when either changed (obj/NAME.key).
"""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, "build", "micropython")
MPY_CROSS = os.path.join(OUT, "bin", "mpy-cross")
PATTERN = os.path.join("shared", "micropython", "micropython-*-src.tar.xz")

# No libffi, berkeley-db or mbedtls submodules in the trimmed tree (nor needed here).
UNIX32 = ["MICROPY_FORCE_32BIT=1", "MICROPY_PY_FFI=0", "MICROPY_PY_BTREE=0", "MICROPY_PY_SSL=0"]
QEMU = ["BOARD=MPS2_AN385", "MICROPY_PY_BTREE=0"]
ASYNCIO = 'include("$(MPY_DIR)/extmod/asyncio")'

# Boards built with another MicroPython port: (port, MicroPython board, toolchain).
_IDF = "ESP-IDF (the version ports/esp32/README.md names; `. $IDF_PATH/export.sh` first)"
_RP2 = "arm-none-eabi-gcc, libnewlib-arm-none-eabi and cmake"
OTHER_PORTS = {
    "esp32-lan8720": ("esp32", "ESP32_GENERIC", _IDF),
    "esp32-wlan": ("esp32", "ESP32_GENERIC", _IDF),
    "pico-w": ("rp2", "RPI_PICO_W", _RP2),
    "rp2040-w5500": ("rp2", "W5500_EVB_PICO", _RP2),
    "nucleo-f767zi": ("stm32", "NUCLEO_F767ZI", "arm-none-eabi-gcc and libnewlib-arm-none-eabi"),
}


def say(*a):
    print("micropython:", *a, file=sys.stderr, flush=True)


def in_ci():
    return bool(os.environ.get("DHCP4C_CI"))


# --- the source ---------------------------------------------------------------

def _version(path):
    return tuple(int(n) for n in re.findall(r"\d+", os.path.basename(path)))


def _search_up(start):
    """The newest tarball in <parent>/shared/micropython/ for start and each ancestor."""
    d = os.path.abspath(start)
    while True:
        found = sorted(glob.glob(os.path.join(os.path.dirname(d), PATTERN)), key=_version)
        if found:
            return found[-1]
        if os.path.dirname(d) == d:
            return None
        d = os.path.dirname(d)


def _origin_path():
    """Where this clone came from, when `origin` is a local folder (CI's fresh clone)."""
    if not shutil.which("git"):
        return None
    r = subprocess.run(["git", "-C", REPO, "config", "--get", "remote.origin.url"],
                       capture_output=True, text=True)
    url = r.stdout.strip()
    if url.startswith("file://"):
        url = url[len("file://"):]
    if not url or "://" in url or re.match(r"^[^/]+:", url):  # ssh, https, host:path
        return None
    path = os.path.join(REPO, url)  # relative URLs are relative to the clone
    return path if os.path.isdir(path) else None


def find_source():
    """A source tree or tarball path, or None."""
    env = os.environ.get("MICROPY_SRC")
    if env:
        if not os.path.exists(env):
            sys.exit("micropython: MICROPY_SRC={} does not exist".format(env))
        return os.path.abspath(env)
    found = _search_up(REPO)
    origin = None if found else _origin_path()
    return _search_up(origin) if origin else found


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_tree(src):
    """(tree, key): the tree to build from, and a key naming the source for obj/*.key.
    A tarball is unpacked into build/micropython/src once per tarball content."""
    if os.path.isdir(src):
        if not os.path.isfile(os.path.join(src, "py", "mpconfig.h")):
            sys.exit("micropython: {} is not a MicroPython source tree (no py/mpconfig.h)"
                     .format(src))
        return src, "tree " + os.path.realpath(src)
    key = "tarball " + _sha256(src)
    tree = os.path.join(OUT, "src")
    stamp = os.path.join(tree, ".dhcp4c-source")
    if _read(stamp) != key:
        say("unpacking", src)
        shutil.rmtree(tree, ignore_errors=True)
        os.makedirs(OUT, exist_ok=True)
        tmp = tempfile.mkdtemp(dir=OUT, prefix="unpack-")
        with tarfile.open(src) as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(tmp, filter="data")
            else:
                t.extractall(tmp)
        tops = os.listdir(tmp)
        if len(tops) != 1 or not os.path.isfile(os.path.join(tmp, tops[0], "py", "mpconfig.h")):
            sys.exit("micropython: {} does not hold one MicroPython source folder".format(src))
        os.rename(os.path.join(tmp, tops[0]), tree)
        os.rmdir(tmp)
        _write(stamp, key)
    return tree, key


def check_version(tree):
    with open(os.path.join(tree, "py", "mpconfig.h")) as f:
        text = f.read()
    v = tuple(int(m) for m in re.findall(r"#define MICROPY_VERSION_M[AI][JN]OR \(?(\d+)", text))
    if v != (1, 28):
        say("warning: {} is v{}.{}; these builds are made for v1.28".format(tree, *v))


# --- what gets frozen ------------------------------------------------------------

def _manifest_json():
    with open(os.path.join(REPO, "manifest.json")) as f:
        return json.load(f)


def _target(path):
    """Where a listed file goes on a board (as scripts/flash.py puts it): shared/X -> X
    (the dhcp4c package), anything else -> a top-level module of its own name."""
    if path.startswith("shared/"):
        return path[len("shared/"):]
    return os.path.basename(path)


def frozen_files(image):
    """The project files (relative paths) an image freezes."""
    m = _manifest_json()
    if image == "unix-frozen":
        return (m["board_files"]
                + [f for f in m["firmware_files"] if os.path.basename(f) != "main.py"]
                + m["boards"]["unix"].get("files", []))
    if image == "unix-stock":
        return list(m["boards"]["unix"].get("files", []))
    if image == "qemu-dhcp4c":
        return list(m["board_files"])
    if image == "qemu-tests":
        # The core tests import host-only modules too (dhcp4c.server, .values, .diagram).
        core = sorted(glob.glob(os.path.join(REPO, "tests", "core", "*.py")))
        dhcp = sorted(glob.glob(os.path.join(REPO, "shared", "dhcp4c", "*.py")))
        return [os.path.relpath(p, REPO) for p in dhcp] + [
            "tests/core/" + os.path.basename(p) for p in core
            if os.path.basename(p) not in ("conftest.py", "mprun.py")]
    return []


def manifest_text(image, asyncio):
    lines = ["# Generated by scripts/micropython.py from manifest.json; do not edit."]
    if asyncio:
        lines.append(ASYNCIO)
    for path in frozen_files(image):
        full = os.path.join(REPO, path)
        target = _target(path)
        base = full[:len(full) - len(target)].rstrip("/")
        lines.append("module({!r}, base_path={!r})".format(target, base))
    return "\n".join(lines) + "\n"


# --- the builds -------------------------------------------------------------------
# name, folder in the source tree, make arguments, product in obj/NAME, destination,
# manifest (None: none), asyncio frozen, toolchain

BUILDS = [
    ("mpy-cross", "mpy-cross", [], "mpy-cross", "bin/mpy-cross", None, False, "native"),
    ("unix-i386", "ports/unix", UNIX32, "micropython", "bin/micropython-i386",
     "unix-stock", True, "i386"),
    ("unix-i386-frozen", "ports/unix", UNIX32, "micropython", "bin/micropython-i386-frozen",
     "unix-frozen", True, "i386"),
    ("qemu-plain", "ports/qemu", QEMU, "firmware.elf", "qemu/plain.elf",
     "qemu-plain", False, "arm"),
    ("qemu-dhcp4c", "ports/qemu", QEMU, "firmware.elf", "qemu/dhcp4c.elf",
     "qemu-dhcp4c", False, "arm"),
    ("qemu-tests", "ports/qemu", QEMU, "firmware.elf", "qemu/tests.elf",
     "qemu-tests", False, "arm"),
]

TOOLCHAINS = {
    "native": "make and gcc",
    "i386": "gcc -m32 (apt-get install gcc-multilib)",
    "arm": "arm-none-eabi-gcc and newlib "
           "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)",
}


def have_toolchain(kind):
    if not (shutil.which("make") and shutil.which("gcc")):
        return False
    if kind == "i386":
        r = subprocess.run(["gcc", "-m32", "-x", "c", "-", "-o", os.devnull],
                           input="int main(void) { return 0; }\n", capture_output=True, text=True)
        return r.returncode == 0
    if kind == "arm":
        if not shutil.which("arm-none-eabi-gcc"):
            return False
        r = subprocess.run(["arm-none-eabi-gcc", "-print-file-name=libc.a"],
                           capture_output=True, text=True)
        return os.path.isabs(r.stdout.strip())  # a bare name: newlib is missing
    return True


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _write(path, text):
    if _read(path) != text:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def _same(a, b):
    if not os.path.exists(b) or os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def frozen_args(manifest_path):
    """make arguments that freeze what the manifest file at `manifest_path` lists."""
    lib = os.path.join(OUT, "lib")  # MPY_LIB_DIR: the build only checks for README.md
    _write(os.path.join(lib, "README.md"), "")
    return ["FROZEN_MANIFEST=" + manifest_path, "MPY_LIB_DIR=" + lib,
            "MICROPY_MPYCROSS=" + MPY_CROSS]


def run_make(tree, folder, obj, args, log):
    """MicroPython's make in tree/folder with BUILD=obj; output to `log`.
    Exits with the log's tail when it fails."""
    cmd = ["make", "-C", os.path.join(tree, folder), "-j{}".format(os.cpu_count() or 2),
           "BUILD=" + obj] + list(args)
    os.makedirs(obj, exist_ok=True)
    with open(log, "w") as f:
        f.write(" ".join(cmd) + "\n")
        f.flush()
        # MicroPython names its version after `git describe` of the tree; ours is
        # inside this project's work tree, whose every commit would then rebuild
        # everything. Git must not look above the tree.
        env = dict(os.environ, GIT_CEILING_DIRECTORIES=os.path.dirname(os.path.abspath(tree)))
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           env=env)
    if r.returncode != 0:
        with open(log) as f:
            tail = f.readlines()[-25:]
        sys.stderr.write("".join(tail))
        sys.exit("micropython: building in {} failed (whole log: {})".format(obj, log))


def make(tree, source_key, build):
    """Run one build; True when its product changed."""
    name, folder, args, product, dest, manifest, asyncio, _ = build
    obj = os.path.join(OUT, "obj", name)
    args = list(args)
    if name != "mpy-cross":
        path = os.path.join(OUT, "manifests", manifest + ".py")
        _write(path, manifest_text(manifest, asyncio))
        args += frozen_args(path)
    key = "{}\n{}\n".format(source_key, " ".join(args))
    if _read(obj + ".key") != key:
        shutil.rmtree(obj, ignore_errors=True)
    run_make(tree, folder, obj, args, obj + ".log")
    _write(obj + ".key", key)
    src, dst = os.path.join(obj, product), os.path.join(OUT, dest)
    changed = not _same(src, dst)
    if changed:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst + ".new")
        os.replace(dst + ".new", dst)
    # The destination's mtime is when it was last known to be up to date: tests/rig.py
    # calls an image stale when a file it froze is newer.
    os.utime(dst)
    return changed


def build_all(names=None):
    """Run the builds (all, or those named); returns {name: destination path}."""
    src = find_source()
    if not src:
        msg = ("no MicroPython source found (../shared/micropython/micropython-*-src.tar.xz); "
               "set MICROPY_SRC to a v1.28 source tree or release tarball for the 32-bit builds")
        if in_ci():
            sys.exit("micropython: " + msg)
        say(msg)
        return {}
    tree, source_key = source_tree(src)
    check_version(tree)
    t0 = time.monotonic()
    done, built, missing = {}, [], set()
    for b in BUILDS:
        if names and b[0] not in names and b[0] != "mpy-cross":
            continue
        kind = b[7]
        if kind in missing or not have_toolchain(kind):
            if kind not in missing:
                say("skipping the {} builds: needs {}".format(kind, TOOLCHAINS[kind]))
            missing.add(kind)
            continue
        if make(tree, source_key, b):
            built.append(b[4])
        done[b[0]] = os.path.join(OUT, b[4])
    path = os.path.join(OUT, "frozen.json")
    frozen = json.loads(_read(path) or "{}")
    frozen.update({b[4]: {_target(f): f for f in frozen_files(b[5])}
                   for b in BUILDS if b[0] in done})
    _write(path, json.dumps(frozen, indent=1, sort_keys=True) + "\n")
    if built:
        say("built {} in build/micropython/ ({:.0f} s)".format(
            ", ".join(built), time.monotonic() - t0))
    if missing and in_ci():
        sys.exit("micropython: DHCP4C_CI is set and a toolchain is missing")
    return done


# --- make firmware ----------------------------------------------------------------

def firmware(board):
    boards = _manifest_json()["boards"]
    here = {"unix": "unix-i386-frozen", "qemu": "qemu-dhcp4c"}
    if board in here:
        done = build_all({here[board]})
        if here[board] not in done:
            sys.exit("micropython: cannot build the {} firmware here (see above)".format(board))
        print(done[here[board]])
        return 0
    if board not in boards:
        sys.exit("firmware: unknown board {!r}; boards: {}".format(
            board, ", ".join(["qemu"] + sorted(boards))))
    if board not in OTHER_PORTS:
        sys.exit("firmware: no MicroPython port is known for {!r} (OTHER_PORTS in {})".format(
            board, os.path.relpath(__file__, REPO)))
    port, mp_board, toolchain = OTHER_PORTS[board]
    d = '"$MICROPY_SRC/ports/{}"'.format(port)
    print("firmware: {} is MicroPython's {} port (board {}), which needs {}.".format(
        board, port, mp_board, toolchain))
    print("This script builds only the unix and qemu ports (the trimmed source on the "
          "project's machines has no others), so it cannot be built here. With MICROPY_SRC "
          "a full MicroPython v1.28.0 checkout (submodules included) and that toolchain:")
    print('    make -C "$MICROPY_SRC/mpy-cross" && make -C {d} BOARD={b} submodules && '
          "make -C {d} BOARD={b} FROZEN_MANIFEST={m}".format(
              d=d, b=mp_board, m=os.path.join(REPO, "manifest.py")))
    return 1


def main(argv):
    if argv[1:2] == ["--firmware"] and len(argv) == 3:
        return firmware(argv[2])
    if len(argv) > 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    build_all()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The firmware on 32-bit MicroPython (`make bench`; the virtual board needs root).

    .venv/bin/python bench/firmware.py

Images (scripts/micropython.py, build/micropython/): bin/micropython-i386, a
board's stock firmware (asyncio and the virtual board's network module
frozen; dhcp4c goes on as .mpy files); bin/micropython-i386-frozen, the
firmware image (dhcp4c and the board library frozen too); qemu/plain.elf
and qemu/dhcp4c.elf (Cortex-M3, qemu-system-arm MPS2_AN385, no network).
For the core cycle the bench builds its own copies into build/bench/, with
the cycle frozen in (build()).

1. Smallest heap, searched in 4k steps downward from a size that works to
   the first that fails, then 1k at a time above that (smallest()):
   - the standalone firmware on the virtual board (vboard_cycle(): DORA,
     `renew`, `release` through dhcpctl, as tests/test_firmware.py::
     test_lease_cycle_under_a_small_heap), on i386 from .mpy files and i386
     frozen;
   - the core API's cycle in one process (bench/mp/cycle.py: Client and
     Controller, DORA, `state`, 20 renewals, release, dnsmasq's captured
     replies), on Cortex-M3 frozen, and for comparison on i386 frozen,
     from ROMFS and from .mpy files.
2. The same core cycle at each image's own heap (core_cycle(measure=True)),
   above the interpreter's baseline: heap kept by the import, the peak (the
   collector off in each step: an upper bound; the most in use after a
   collection following a step: a lower bound), growth over the renewals.
3. Flash the frozen modules take: each section's growth from the image
   without them to the image with them (binutils size -A), beside the .mpy.
4. ROMFS: the deployed .mpy tree as `mpremote romfs build` makes it, frozen
   into an i386 build as bytes and mounted as vfs.VfsRom (i386_images()).
5. The asyncio application's worst lateness (examples/asyncio_app.py on the
   virtual board through bind, renewals, the lease lost and a new one).
6. Start -> bound: the frozen image on the virtual board vs busybox udhcpc.
One table at the end: each figure, its target, met or not.
"""
import ast
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(REPO, "tests"), os.path.join(REPO, "tests", "core"),
                os.path.join(REPO, "shared"), os.path.join(REPO, "scripts")]
import flash  # noqa: E402
import micropython as mpbuild  # noqa: E402  (scripts/micropython.py)
import rig  # noqa: E402
import servers  # noqa: E402
from portable import unhex  # noqa: E402
from test_examples import wait_console  # noqa: E402
from test_firmware import VBoard  # noqa: E402
from vectors import REPLIES  # noqa: E402

OUT = os.path.join(REPO, "build", "bench")
SRC = os.path.join(OUT, "src")
I386, I386_FROZEN = "micropython-i386", "micropython-i386-frozen"
RUNS = 10          # start -> bound, each client


def load_order():
    """firmware/main.py's LOAD_ORDER (read, not imported: that runs the firmware)."""
    with open(os.path.join(REPO, "firmware", "main.py")) as f:
        for node in ast.parse(f.read()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "LOAD_ORDER":
                return list(ast.literal_eval(node.value))
    raise SystemExit("bench: no LOAD_ORDER in firmware/main.py")


# The core cycle imports what the client and the controller need, in the
# firmware's order; dhcpnic and dhcp4c_board need socket and select, which
# the Cortex-M3 image has not.
CORE = [m for m in load_order() if m.startswith("dhcp4c.")]


def deploy(dest):
    """The unix board's files as `make flash` puts them on a stock firmware
    (scripts/flash.py: plan(), compile_mpy())."""
    for src, dst, comp in flash.plan("unix")[0]:
        path = os.path.join(dest, dst)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if comp:
            flash.compile_mpy(os.path.join(REPO, src), path[:-3] + ".mpy")
        else:
            shutil.copy(os.path.join(REPO, src), path)


# --- the bench's own builds, into build/bench/ -------------------------------------
# scripts/micropython.py's images with the core cycle (bench/mp/cycle.py as
# module bench_cycle) frozen in, so the harness costs no heap on any of them.
# Each object folder is seeded once by copying that script's (same flags),
# so make redoes only what differs: the frozen modules, main.c for a heap size.

def cycle_module():
    """build/bench/src/bench_cycle.py: bench/mp/cycle.py with dnsmasq's captured
    OFFER and ACK, their client's MAC and server id, and the modules in front."""
    from dhcp4c.message import decode
    offer, ack = unhex(REPLIES["dnsmasq-offer"]), unhex(REPLIES["dnsmasq-ack"])
    m = decode(offer)
    with open(os.path.join(HERE, "mp", "cycle.py")) as f:
        body = f.read()
    head = "OFFER = {!r}\nACK = {!r}\nMAC = {!r}\nSID = {!r}\nMODULES = {!r}\n".format(
        offer, ack, bytes(m.chaddr[:6]), m.get(54), tuple(CORE))
    mpbuild._write(os.path.join(SRC, "bench_cycle.py"), head + body)


def build(name, port, args, modules, product, dest, stale=()):
    """MicroPython's make for `port` into build/bench/obj/NAME, seeded from
    scripts/micropython.py's build NAME and freezing what it freezes plus
    `modules` (in build/bench/src); `stale` objects are removed first (make
    tracks no flags). The product is copied to build/bench/DEST; returns it."""
    tree, key = mpbuild.source_tree(mpbuild.find_source())
    seed = [b for b in mpbuild.BUILDS if b[0] == name][0]
    obj = os.path.join(OUT, "obj", name)
    manifest = os.path.join(OUT, "manifests", name + ".py")
    mpbuild._write(manifest, mpbuild.manifest_text(seed[5], seed[6]) + "".join(
        "module({!r}, base_path={!r})\n".format(m, SRC) for m in modules))
    key = "{}\n{}\n".format(key, " ".join(seed[2]))     # as scripts/micropython.py keys it
    if mpbuild._read(obj + ".key") != key:
        shutil.rmtree(obj, ignore_errors=True)
        shutil.copytree(os.path.join(mpbuild.OUT, "obj", name), obj, symlinks=True)
        mpbuild._write(obj + ".key", key)
    for f in stale:
        if os.path.exists(os.path.join(obj, f)):
            os.remove(os.path.join(obj, f))
    mpbuild.run_make(tree, port, obj, mpbuild.frozen_args(manifest) + list(args), obj + ".log")
    out = os.path.join(OUT, dest)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copy(os.path.join(obj, product), out)
    return out


def qemu_image(heap):
    """qemu/dhcp4c.elf plus bench_cycle, with a `heap` KB heap. The qemu
    port's heap is a static array of MICROPY_HEAP_SIZE bytes (ports/qemu/
    main.c), so each size is a build of its own rather than a blocker
    bytearray in the 140 KB one: the heap is then laid out as on a board
    with that much RAM and gc.mem_free() is true, and the figure compares
    directly with the unix port's -X heapsize (also the whole gc area).
    Only main.c reads the size: one compile and link (~0.5 s) per size."""
    return build("qemu-dhcp4c", "ports/qemu",
                 mpbuild.QEMU + ["MICROPY_HEAP_SIZE={}".format(heap * 1024)], ["bench_cycle.py"],
                 "firmware.elf", "qemu/dhcp4c-heap{}k.elf".format(heap), stale=["main.o"])


def i386_images(deployed, work):
    """(stock, frozen, ROMFS image bytes): bin/micropython-i386 and
    bin/micropython-i386-frozen with bench_cycle frozen in; the stock one
    also holds the ROMFS image of the deployed .mpy tree (lib/ but the
    network module, which the image has built in) as module romfs_image,
    `IMAGE = b"..."`: a frozen bytes object lives in the firmware's read-only
    data, so vfs.VfsRom(IMAGE) is a memory-mapped partition (files with a
    buffer are used in place: extmod/vfs_reader.c), as `mpremote romfs
    deploy` gives a board with a ROMFS partition. Only the ROMFS runs import it."""
    tree = os.path.join(work, "romfs")
    shutil.copytree(os.path.join(deployed, "lib"), os.path.join(tree, "lib"),
                    ignore=shutil.ignore_patterns("network.mpy"))
    img = os.path.join(work, "romfs.img")
    subprocess.run([rig.need_tool("mpremote"), "romfs", "-o", img, "--no-mpy", "build", tree],
                   check=True, capture_output=True)
    with open(img, "rb") as f:
        data = f.read()
    mpbuild._write(os.path.join(SRC, "romfs_image.py"),
                   "# mpremote romfs build of the deployed .mpy tree\nIMAGE = {!r}\n".format(data))
    stock = build("unix-i386", "ports/unix", mpbuild.UNIX32, ["bench_cycle.py", "romfs_image.py"],
                  "micropython", "bin/micropython-i386")
    frozen = build("unix-i386-frozen", "ports/unix", mpbuild.UNIX32, ["bench_cycle.py"],
                   "micropython", "bin/micropython-i386-frozen")
    return stock, frozen, len(data)


# --- the core cycle in one process (bench/mp/cycle.py) ---------------------------

def core_cycle(target, heap=None, measure=False):
    """bench_cycle on `target` = (image, MICROPYPATH, ROMFS?, cwd); image is a
    path, or for qemu a function of the heap size. `heap`: KB (None: the
    image's own). Returns its figures as a dict, or None on a MemoryError."""
    image, path, rom, cwd = target
    code = "MEASURE = {}\nROM = {}\nimport bench_cycle".format(measure, rom)
    if path is None:
        try:
            out, err = rig.qemu_run(code, image(heap or 140), timeout=60)
        except RuntimeError as e:
            out, err = "", str(e)
    else:
        cmd = [image] + (["-X", "heapsize={}k".format(heap)] if heap else []) + ["-c", code]
        r = subprocess.run(cmd, cwd=cwd, env=dict(os.environ, MICROPYPATH=path),
                           capture_output=True, text=True, timeout=60)
        out, err = r.stdout, r.stderr
    m = re.search(r"CYCLE (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if not m:
        if "MemoryError" not in out + err:
            raise SystemExit("bench: core cycle {} at {}k:\n{}".format(target, heap, out + err))
        return None
    f = dict(zip(("base", "import", "peak", "live", "first", "last"), map(int, m.groups())))
    maps = [x.split(">MAP")[0] for x in out.split("MAP<")[1:]]
    if len(maps) == 3:
        f["import kinds"], f["bound kinds"] = by_kind(maps[0], maps[1]), by_kind(maps[1], maps[2])
    return f


# Heads in MicroPython's block map (py/gc.c gc_dump_alloc_table); '=' continues
# the object before, '.' is free; 'h' is any other object: instances, classes,
# dict tables, buffers, bytecode, qstr pools. A block is four words: 16 B on 32-bit.
KINDS = (("B", "functions"), ("h", "other"),
         ("D", "dicts"), ("T", "tuples"), ("S", "str/bytes"), ("L", "lists"),
         ("A", "bytearrays"), ("M", "modules"))


def by_kind(before, after):
    """What is on the heap in block map `after` and not in `before`, by kind of
    object: "N kind X KB; ..." (net counts of objects and of their blocks)."""
    def count(text):
        counts, cur = {}, None
        for line in text.splitlines():
            head, sep, cells = line.partition(": ")
            if sep and len(head) == 8:
                for ch in cells:
                    if ch == ".":
                        cur = None
                    elif ch == "=":
                        if cur:
                            counts[cur][1] += 1
                    else:
                        cur = ch
                        counts.setdefault(ch, [0, 0])
                        counts[ch][0] += 1
                        counts[ch][1] += 1
        return counts
    a, b = count(before), count(after)
    out = []
    for k, name in KINDS:
        n, blocks = (b.get(k, [0, 0])[i] - a.get(k, [0, 0])[i] for i in (0, 1))
        if blocks:
            out.append("{} {} {}".format(n, name, kb(blocks * 16, 1024)))
    return "; ".join(out)


# --- the virtual board -------------------------------------------------------------

@contextlib.contextmanager
def quiet_stderr():
    """The virtual board (scripts/vboard.py) logs each boot on the stderr it
    inherits: send that to /dev/null, not into the bench's output."""
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def vboard_cycle(build_name, heap):
    """tests/test_firmware.py::test_lease_cycle_under_a_small_heap at `heap`
    KB on `build_name` (I386: .mpy files go on; I386_FROZEN: only the
    profile and main.py): flash, DORA, `renew`, `release` through dhcpctl.
    (True, "") when each state came and the console shows no MemoryError,
    else (False, what went wrong). A MemoryError ends the waits at once."""
    with rig.Lab() as lab:
        srv = lab.dnsmasq()
        with quiet_stderr():
            b = VBoard(lab, heapsize="{}k".format(heap), build=build_name)
        try:
            b.flash()
        except AssertionError as e:
            return False, "flash failed: " + str(e)[-300:]
        for cmd, want in ((None, "BOUND"), ("renew", "BOUND"), ("release", "STOPPED")):
            if cmd and b.ctl(cmd, check=False) is None:
                return False, "dhcpctl {} got no answer".format(cmd)
            deadline = time.monotonic() + 20
            while "MemoryError" not in b.console():
                st = b.ctl("state", check=False)
                if st and st.get("state") == want:
                    break
                if time.monotonic() > deadline:
                    return False, "not {} after {}: {}".format(want, cmd or "boot", st)
                time.sleep(0.2)
            else:
                line = [x for x in b.console().splitlines() if "MemoryError" in x][0]
                return False, "waiting for {}: {}".format(want, line.strip()[:120])
        if "DHCPRELEASE(srv0)" not in lab.wait_log(srv, "DHCPRELEASE"):
            return False, "dnsmasq saw no RELEASE"
        return True, ""


def app_lateness():
    """examples/asyncio_app.py on the firmware image, as tests/test_examples.py
    runs it: Kea (20 s leases, T1 2 s, T2 4 s), bound, a renewal, Kea
    stopped until the lease is lost, Kea back, a new lease. Returns (ticks,
    worst lateness in ms) from the app's last report after the new lease."""
    with rig.Lab() as lab:
        kea = servers.kea(lab, lease=20, t1=2, t2=4)
        with quiet_stderr():
            b = VBoard(lab)
        b.flash(app="examples/asyncio_app.py")
        ip = wait_console(b, r"app: address (192\.0\.2\.\d+)", 30).group(1)
        wait_console(b, r"app: lease renewed " + re.escape(ip), 10)
        lab.stop(kea)
        lost = wait_console(b, r"app: lease lost " + re.escape(ip), 40)
        servers.kea(lab, lease=20, t1=2, t2=4)
        got = wait_console(b, r"app: lease acquired 192\.0\.2\.\d+", 40, after=lost.end())
        m = wait_console(b, r"app: (\d+) ticks, worst lateness (\d+) ms", 10, after=got.end())
        return int(m.group(1)), int(m.group(2))


BOUND_PROG = """import board
from dhcp4c_board import DHCP
d = DHCP.from_board(board)
while d.lease is None:
    d.poll(1000)
print("BOUND", d.lease.address)
"""


def start_to_bound():
    """Medians (ms) of RUNS alternating runs, each from spawning the process
    (`ip netns exec` included for both) to its exit: the firmware image with
    a board.py (boards/unix) and BOUND_PROG (DHCP.from_board(), poll() until
    dhcp.lease is set: DORA done and the address on the NIC), and busybox
    udhcpc -f -q -n with no script (DORA only; it leaves the NIC alone)."""
    udhcpc = rig.tool("udhcpc") or rig.need_tool("busybox")
    ucmd = [udhcpc] if udhcpc.endswith("udhcpc") else [udhcpc, "udhcpc"]
    exe = rig.interpreter(I386_FROZEN)[0]
    fw, ud = [], []
    with rig.Lab() as lab:
        lab.dnsmasq()
        d = os.path.join(lab.tmp, "board")
        os.mkdir(d)
        shutil.copy(os.path.join(REPO, "boards", "unix", "board.py"), d)
        with open(os.path.join(d, "bound.py"), "w") as f:
            f.write(BOUND_PROG)
        env = dict(os.environ, MICROPYPATH=".frozen", DHCP4C_IF=lab.client_if)
        for _ in range(RUNS):
            for times, cmd, kw in (
                    (fw, [exe, "bound.py"], dict(cwd=d, env=env)),
                    (ud, ucmd + ["-f", "-q", "-n", "-i", lab.client_if, "-s", "/bin/true",
                                 "-t", "3", "-T", "1"], {})):
                t = time.perf_counter()
                lab.run(cmd, timeout=60, **kw)
                times.append((time.perf_counter() - t) * 1000)
                lab.client_flush()
                if os.path.exists(os.path.join(d, "dhcp4c.lease")):
                    os.remove(os.path.join(d, "dhcp4c.lease"))     # DISCOVER each time
    return statistics.median(fw), statistics.median(ud)


# --- the rest ----------------------------------------------------------------------

def smallest(works, start, lowest=4, highest=256):
    """The smallest size (KB) for which works(size) is true: searched in 4k
    steps downward from `start` until the first failure (nothing below it
    is tried), or upward from `start` while it fails; then 1k at a time
    between that failure and the last size that worked (a change of less
    than 4 KB shows). None when even `highest` fails."""
    size = start
    if not works(size):
        while True:
            if size >= highest:
                return None
            size += 4
            if works(size):
                break
    else:
        while size - 4 >= lowest and works(size - 4):
            size -= 4
    floor = size - 4          # failed, or below `lowest`
    while size - 1 > max(floor, lowest - 1) and works(size - 1):
        size -= 1
    return size


def frozen_flash(without, with_):
    """(bytes, relocations): what the frozen modules add to an image, from
    binutils size -A of the pair (arm-none-eabi-size for the Cortex-M3): the
    growth of every section but .bss; the i386 images are position-independent
    executables, whose .rel.dyn (pointer fix-ups: a board's firmware, linked
    at fixed addresses, has none) is given apart."""
    def sections(path):
        with open(path, "rb") as f:
            arm = f.read(20)[18] == 40          # ELF e_machine: EM_ARM
        tool = rig.need_tool("arm-none-eabi-size" if arm else "size")
        out = subprocess.run([tool, "-A", path], capture_output=True, text=True, check=True).stdout
        return {f[0]: int(f[1]) for f in (line.split() for line in out.splitlines())
                if len(f) == 3 and f[0].startswith(".") and f[1].isdigit()}
    a, b = sections(without), sections(with_)
    grown = {k: b[k] - a.get(k, 0) for k in b if k != ".bss" and b[k] != a.get(k, 0)}
    reloc = grown.pop(".rel.dyn", 0)
    return sum(grown.values()), reloc


def kb(n, bytes_under=0):
    """n bytes as KB, or as bytes when under `bytes_under`."""
    return "{} B".format(n) if n < bytes_under else "{:.1f} KB".format(n / 1024)


def main():
    if not mpbuild.build_all().get("qemu-dhcp4c"):
        print("bench/firmware.py: needs the MicroPython builds (scripts/micropython.py); skipped")
        return 0
    root = os.geteuid() == 0
    rows = []

    def row(figure, value, target="", met=None):
        rows.append((figure, value, target, "" if met is None else "yes" if met else "NO"))
        print("  {}: {}".format(figure, value), flush=True)

    work = tempfile.mkdtemp(prefix="dhcp4c-bench-")
    try:
        deployed = os.path.join(work, "board")
        deploy(deployed)
        cycle_module()
        stock, frozen, romfs_bytes = i386_images(deployed, work)
        targets = {"Cortex-M3 frozen": (qemu_image, None, False, None),
                   "i386 frozen": (frozen, ".frozen", False, work),
                   "i386 ROMFS": (stock, ".frozen", True, work),
                   "i386 .mpy": (stock, ".frozen:board/lib", False, work)}

        print("1. smallest heap (4k steps, then 1k)")
        if root:
            for name, build_name, start, target in ((".mpy", I386, 60, 56),
                                                     ("frozen", I386_FROZEN, 24, 20)):
                notes = {}

                def works(k):
                    ok, why = vboard_cycle(build_name, k)
                    notes[k] = why
                    return ok
                k = smallest(works, start)
                for size in sorted(notes):
                    print("    {}k: {}".format(size, notes[size] or "ok"))
                row("smallest heap, firmware on the virtual board, i386 " + name, "{}k".format(k),
                    "<= {}k".format(target), k is not None and k <= target)
        else:
            row("smallest heap, firmware on the virtual board", "skipped: needs root")
        for name, start in (("Cortex-M3 frozen", 20), ("i386 frozen", 20), ("i386 ROMFS", 32),
                            ("i386 .mpy", 52)):
            k = smallest(lambda k: core_cycle(targets[name], k) is not None, start)
            row("smallest heap, core cycle, " + name, "{}k".format(k))

        print("2. core cycle at the image's own heap, above the interpreter's baseline")
        figures = {name: core_cycle(t, measure=True) for name, t in targets.items()}
        print("  (by kind, from the block maps; other: instances, classes, dict tables,"
              " buffers, bytecode, qstr pools)")
        for name, f in figures.items():
            row("import keeps, " + name, kb(f["import"]))
            print("    by kind: " + f["import kinds"])
        print("  then Client, Controller, lease (bound, `state` sent), Cortex-M3: "
              + figures["Cortex-M3 frozen"]["bound kinds"])
        for name, f in figures.items():
            m3 = name == "Cortex-M3 frozen"
            row("peak (collector off in each step), " + name,
                "<= {} (>= {})".format(kb(f["peak"]), kb(f["live"])),
                "<= 14 KB" if m3 else "", f["peak"] <= 14 * 1024 if m3 else None)
        for name, f in figures.items():
            row("growth, renewals 11-20 over 1-10, " + name, "{} B".format(f["last"] - f["first"]),
                "0 B", f["last"] <= f["first"])

        print("3. flash the frozen modules take (the image with them minus without)")
        m3 = frozen_flash(rig.micropython_build("plain"), rig.micropython_build("dhcp4c"))
        i386 = frozen_flash(rig.interpreter(I386)[0], rig.interpreter(I386_FROZEN)[0])
        lib = os.path.join(deployed, "lib")
        core_mpy = sum(os.path.getsize(os.path.join(lib, "dhcp4c", f))
                       for f in os.listdir(os.path.join(lib, "dhcp4c")))
        board_mpy = sum(os.path.getsize(os.path.join(lib, f + ".mpy")) for f in load_order()
                        if not f.startswith("dhcp4c."))
        row("flash, dhcp4c frozen, Cortex-M3 (dhcp4c.elf - plain.elf)",
            "{} B; as .mpy {} B".format(m3[0], core_mpy))
        row("flash, dhcp4c + board library frozen, i386",
            "{} B (+ {} B PIE relocations); as .mpy {} B".format(i386[0], i386[1],
                                                                core_mpy + board_mpy))

        print("4. ROMFS (i386, the image frozen as bytes, mounted as vfs.VfsRom; its heap in 1, 2)")
        row("ROMFS image of dhcp4c + board library .mpy",
            "{} B".format(romfs_bytes))

        print("5. asyncio application on the virtual board")
        if root:
            ticks, worst = app_lateness()
            row("asyncio app, worst lateness of its 10 ms ticker",
                "{} ms over {} ticks".format(worst, ticks), "<= 20 ms", worst <= 20)
        else:
            row("asyncio app", "skipped: needs root")

        print("6. start -> bound, median of {} (dnsmasq, veth)".format(RUNS))
        if root:
            fw, ud = start_to_bound()
            row("start -> bound, firmware image (spawn -> NIC has the address)",
                "{:.1f} ms".format(fw))
            row("start -> bound, udhcpc -f -q -n, no script (spawn -> exit)",
                "{:.1f} ms".format(ud))
            row("start -> bound, firmware / udhcpc", "{:.2f}".format(fw / ud), "<= 0.5",
                fw / ud <= 0.5)
        else:
            row("start -> bound", "skipped: needs root")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    w = [max(len(r[i]) for r in rows) for i in range(3)]
    print("\n{:{}}  {:{}}  {:{}}  met".format("figure", w[0], "measured", w[1], "target", w[2]))
    for r in rows:
        print("{:{}}  {:{}}  {:{}}  {}".format(r[0], w[0], r[1], w[1], r[2], w[2], r[3]).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""dhcpc's control socket: the control protocol (docs/control-protocol.md) on
a Unix stream socket, for `dhcpctl -i IFACE` or `dhcpctl --socket PATH`.

An adapter only: the daemon's dhcp4c.control.Controller decides what each
request means and what each client event becomes on the wire (the daemon
makes it as the first DISCOVER goes out and gives it every event); this
module accepts connections and moves bytes. Its fds go into Daemon.handlers
(polled by the main loop); after each event the daemon calls send_events().
Its own counters (clients_dropped, clients_refused) live in the
Controller's `transport`, so `stats` reports and resets them with the rest.

- Start-up: the daemon opens the socket once it has been quiet for
  daemon.QUIET_MS (100 ms: the lease is bound, or no server answers yet),
  so it is never on the way to a lease. json (~7 ms of imports) is imported
  on the first frame.
- Access: the socket is created mode 0600 (under umask 0177, then chmod) in a
  0755 directory, so only root - the daemon's user - can connect; a peer
  whose SO_PEERCRED uid is neither 0 nor ours is refused anyway.
- Stale sockets: a socket file nobody listens on (a daemon that died) is
  replaced; one that answers belongs to another daemon and is left alone,
  as is anything that is not a socket. On exit the file is removed if it is
  still ours (same inode).
- A slow or dead client never blocks the daemon: connections are
  non-blocking; a read takes at most READ_CHUNK bytes, fed to the Controller
  FEED bytes at a time (its reader bounds a request line to 1024 bytes);
  replies and events wait in a per-client output buffer that is written as
  the client reads, behind a kernel send buffer of SNDBUF. Once a client's
  output passes OUT_PAUSE the rest of its input waits and nothing more is
  read from it until it drains: a client that pipelines requests without
  reading is slowed, never dropped. Events still arrive, so a subscriber
  that stopped reading grows its buffer; past OUT_LIMIT it is disconnected
  and counted (`clients_dropped` in the control counters of `stats`).
"""
import errno
import os
import select
import stat
import struct
import sys

# The C module, as in the rest of dhcpc: the `socket` wrapper imports enum
# for nothing this adapter needs.
import _socket as socket

from . import HOST
RUN_DIR = "/run/dhcpc"
MAX_CLIENTS = 16
READ_CHUNK = 4096
FEED = 256                # at most ~8 requests' replies per step
OUT_PAUSE = 16 * 1024
OUT_LIMIT = 64 * 1024
SNDBUF = 16 * 1024        # per connection (the kernel doubles it)
SO_PEERCRED = 17


def default_path(iface):
    return os.path.join(RUN_DIR, iface + ".sock")


def daemon_version():
    """The dhcp4c version from manifest.json (next to this package, the
    repository root, or <prefix>/share/dhcp4c as installed)."""
    import json
    for d in (HOST, os.path.dirname(HOST), os.path.join(sys.prefix, "share", "dhcp4c")):
        try:
            with open(os.path.join(d, "manifest.json")) as f:
                return str(json.load(f)["version"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return "unknown"


_SUN_PATH_MAX = 107                 # Linux sockaddr_un.sun_path, less its NUL


def _alive(path):
    """True if something accepts connections on the Unix socket `path`."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.setblocking(False)
        s.connect(path)
        return True
    except (BlockingIOError, InterruptedError):
        return True     # backlog full: someone listens
    except OSError:
        return False    # ECONNREFUSED: a file left behind by a dead daemon
    finally:
        s.close()


def listen(path):
    """A non-blocking listening socket on `path`, mode 0600. Creates the
    parent directory (0755) if missing, replaces a stale socket file; raises
    OSError when another daemon serves `path` or it is not a socket."""
    d = os.path.dirname(path)
    if d and not os.path.isdir(d):
        os.mkdir(d, 0o755)
        os.chmod(d, 0o755)          # whatever the umask
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        if not stat.S_ISSOCK(st.st_mode):
            raise OSError(errno.EEXIST, "exists and is not a socket", path)
        if _alive(path):
            raise OSError(errno.EADDRINUSE, "another daemon serves it", path)
        os.unlink(path)
    # Bound and listening under a temporary name, then renamed: whoever sees
    # `path` can connect (a client polling for the file never meets
    # ECONNREFUSED between bind() and listen()).
    tmp = path + ".new"
    if len(os.fsencode(tmp)) > _SUN_PATH_MAX:
        tmp = path                  # no room for the suffix: bind in place
    else:
        _unlink_socket(tmp)         # left by a daemon killed right here
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        old = os.umask(0o177)       # never a moment with wider permissions
        try:
            s.bind(tmp)
        finally:
            os.umask(old)
        os.chmod(tmp, 0o600)
        s.listen(8)
        s.setblocking(False)
        if tmp != path:
            os.rename(tmp, path)
    except BaseException:
        s.close()
        if tmp != path:
            _unlink_socket(tmp)
        raise
    return s


def _unlink_socket(path):
    try:
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass


class _Conn:
    __slots__ = ("sock", "inp", "out", "paused")

    def __init__(self, sock):
        self.sock = sock
        self.inp = bytearray()      # read, not fed yet (only while paused)
        self.out = bytearray()
        self.paused = False


class ControlServer:
    """The control socket serving the Controller `ctl` of one Daemon (see
    the module docstring)."""

    def __init__(self, daemon, ctl, path, clock):
        self.daemon = daemon
        self.ctl = ctl
        self.path = path
        self.clock = clock
        self.conns = {}                 # fd -> _Conn
        ctl.firmware = daemon_version()
        ctl.transport["clients_dropped"] = 0
        ctl.transport["clients_refused"] = 0
        self.sock = listen(path)
        st = os.stat(path)
        self.ident = (st.st_dev, st.st_ino)
        daemon.poll.register(self.sock, select.POLLIN)
        daemon.handlers[self.sock.fileno()] = self.on_listen

    def send_events(self):
        """The event frames the Controller queued for subscribers, written."""
        for fd, c in list(self.conns.items()):
            out = self.ctl.pending(fd)
            if out:
                self._queue(fd, c, out)

    # -- connections ----------------------------------------------------------------
    def on_listen(self, daemon, fd, ev):
        while True:
            try:
                # _socket's _accept(): the new fd (accept4, SOCK_CLOEXEC).
                cfd, _ = self.sock._accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                daemon.log("control socket: accept: {}".format(e), "warning")
                return
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, cfd)
            if len(self.conns) >= MAX_CLIENTS or not self._allowed(s):
                self.ctl.transport["clients_refused"] += 1
                s.close()
                continue
            s.setblocking(False)
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
            except OSError:
                pass
            self.conns[cfd] = _Conn(s)
            self.ctl.connection(cfd)    # counted in `stats` from now
            daemon.poll.register(cfd, select.POLLIN)
            daemon.handlers[cfd] = self.on_conn

    @staticmethod
    def _allowed(s):
        try:
            _, uid, _ = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, SO_PEERCRED, 12))
        except OSError:
            return False
        return uid in (0, os.geteuid())

    def on_conn(self, daemon, fd, ev):
        c = self.conns.get(fd)
        if c is None:
            return
        if ev & select.POLLOUT:
            if not self._send(fd, c):
                return
        if ev & select.POLLIN and not c.paused:
            try:
                data = c.sock.recv(READ_CHUNK)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:
                self.drop(fd)
                return
            c.inp += data
            self._feed(fd, c)
        elif ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
            self.drop(fd)

    def _feed(self, fd, c):
        """Give the Controller the input held for `c` while it is not paused."""
        ctl = self.ctl
        while c.inp and not c.paused and fd in self.conns:
            piece = bytes(c.inp[:FEED])
            del c.inp[:FEED]
            out = ctl.feed(fd, piece, self.clock())
            if out:
                self._queue(fd, c, out)

    def _queue(self, fd, c, data):
        c.out += data
        if not self._send(fd, c):
            return
        if len(c.out) > OUT_LIMIT:      # what the socket would not take either
            self.ctl.transport["clients_dropped"] += 1
            self.daemon.log("control socket: dropped a client that does not read", "warning")
            self.drop(fd)

    def _send(self, fd, c):
        """Write what the socket takes now; False when the client is gone."""
        if c.out:
            try:
                n = c.sock.send(c.out)
                del c.out[:n]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:         # EPIPE, ECONNRESET: the client went away
                self.drop(fd)
                return False
        was = c.paused
        c.paused = len(c.out) >= OUT_PAUSE
        if was and not c.paused and c.inp:
            self._feed(fd, c)       # resume where the input stopped
            if fd not in self.conns:
                return False
        mask = 0 if c.paused else select.POLLIN
        if c.out:
            mask |= select.POLLOUT
        self.daemon.poll.modify(fd, mask)
        return True

    def _unwatch(self, fd):
        """The daemon's main loop no longer polls `fd`."""
        self.daemon.handlers.pop(fd, None)
        try:
            self.daemon.poll.unregister(fd)
        except (KeyError, ValueError):
            pass

    def drop(self, fd):
        c = self.conns.pop(fd, None)
        if c is None:
            return
        self._unwatch(fd)
        c.sock.close()
        self.ctl.close(fd)

    def close(self):
        """Close every connection and the socket; remove the file if ours."""
        for fd in list(self.conns):
            self.drop(fd)
        self._unwatch(self.sock.fileno())
        self.sock.close()
        try:
            st = os.stat(self.path)
            if (st.st_dev, st.st_ino) == self.ident:
                os.unlink(self.path)
        except OSError:
            pass


def start(daemon, ctl, path, clock):
    """The ControlServer for `ctl` on `path`, or None (logged) when it cannot
    be made: the daemon works without its control socket."""
    try:
        return ControlServer(daemon, ctl, path, clock)
    except OSError as e:
        daemon.log("control socket {}: {}".format(path, e.strerror or e), "warning")
        return None

"""The DHCPv4 client state machine (RFC 2131 §4.4): sans-IO and deterministic.

    c = Client(mac, Config(...), rand32)     rand32() -> int in 0..2**32-1
    c.start(now)                             or c.start(now, Lease.from_text(...))
    loop:
        while True:                          send what it asks, in order
            d = c.next_datagram()            (payload, dst): dst None means
            if d is None: break              broadcast 255.255.255.255:67,
            send(d)                          else unicast to dst (4 bytes):67
        while True:
            e = c.next_event()               dhcp4c.events.*
            ...
        sleep until c.next_deadline() (absolute ms; None = nothing to wait for)
        or until a datagram arrives:  c.receive(data, now, src)
        then c.tick(now)

`now` is the caller's own monotonic clock in milliseconds, passed to every
call; it must never go backwards. The client reads no clock, draws no random
numbers except through rand32 (xids and the ±1 s of §4.1), and does no I/O.
Same inputs, same outputs, on CPython and MicroPython.

States and transitions live in dhcp4c.states (with the theory of operation);
numbers in dhcp4c.timers; the lease in dhcp4c.lease; counters in
dhcp4c.stats. Misuse (bad argument, command not valid in this state, time
going backwards) raises dhcp4c.errors.UsageError. Network input never
raises: bad or foreign packets are counted in stats.drops by reason.

Choices where RFC 2131 leaves room (each marked where it is made):
- A NAK is accepted in REQUESTING only from the server we selected and in
  RENEWING only from the lease's server (option 54 must match: those
  requests name or are unicast to one server, §3.1 step 3, §4.3.2). In
  REBOOTING and REBINDING the REQUEST is broadcast to every server and any
  of them is authoritative for the network (§3.2 step 2, §4.3.2 "server MUST
  send a DHCPNAK ... if the client is on the wrong network"), so a NAK from
  any server counts there. A NAK without option 54 is always dropped
  (table 3: MUST). The same rule applies to ACKs.
- The lease starts when the *first* REQUEST of the exchange was sent
  (§4.4.1 "the time at which the original request was sent"): never later
  than the server's own start.
- Among several offers the one for the requested address wins: when an
  acceptable offer for another address arrives first, the client waits up to
  Config.offer_wait ms for a better one, then takes the first.
- A reply whose server identifier (option 54) is not a usable unicast
  address is dropped like one without (usable_server_id()): a rogue's offer
  naming 255.255.255.255 would otherwise be taken, and the real server's
  offer of the same round lost.
- §4.4.1's check of a new address ("SHOULD ... e.g., with ARP") is the
  caller's: with Config(confirm=True) a new lease waits in GRANTED for
  accept() or decline() (n-dhcp4's model); by default it is bound at once.
  Renewals are not checked again.
"""
from dhcp4c import build, const, events as E, states as S, timers
from dhcp4c.errors import UsageError
from dhcp4c.events import Event
from dhcp4c.lease import Lease
from dhcp4c.message import (DHCPACK, DHCPDECLINE, DHCPDISCOVER, DHCPINFORM, DHCPNAK,
                            DHCPOFFER, DHCPRELEASE, DHCPREQUEST, decode, encode, encode_into)
from dhcp4c.options import client_id_duid, client_id_hw, fqdn_value, prl, u16, uint
from dhcp4c.stats import (DROP_ADDR_MISMATCH, DROP_ALL_ONES, DROP_BAD_SERVER_ID,
                          DROP_BROADCAST, DROP_CHADDR,
                          DROP_CLASS_E, DROP_DECLINED, DROP_LOOPBACK, DROP_MALFORMED,
                          DROP_MULTICAST, DROP_NAMES, DROP_NETWORK, DROP_NO_SERVER_ID,
                          DROP_NOT_REPLY, DROP_SERVER_MISMATCH, DROP_UNEXPECTED, DROP_XID,
                          DROP_ZERO, Stats)

_MAX_QUEUE = const(32)
_BUF_SIZE = const(576)  # RFC 2131 §2: every host accepts 576-byte messages
# Getting a lease, none in use yet: a carrier change does not pause these (link_down).
_ACQUIRING = (S.INIT, S.SELECTING, S.REQUESTING, S.REBOOTING)

DEFAULT_PRL = (1, 3, 6, 15, 26, 28, 42, 51, 54, 58, 59, 119, 121, 249)


class Config:
    """What the client asks for and how patiently. All arguments optional.

    requested     4 bytes: option 50 in DISCOVER (the daemon's -r; callers
                  default it to manifest.json's default_ip)
    client_id     "hw" (default: RFC 2132 form, 1 + MAC), "rfc4361" (255, IAID,
                  DUID-LL from the MAC: options.client_id_duid), None (no
                  option 61), or the raw value as bytes/str (the seed's -c)
    hostname      option 12 (the seed's -H/-h); fqdn: option 81 (RFC 4702)
    vendor_class  option 60
    prl           option 55, a sequence of codes (None or () for none)
    max_size      option 57, >= 576 (None: not sent)
    broadcast     set the BOOTP broadcast flag (default True: a client without
                  an address usually cannot receive unicast, RFC 2131 §4.1)
    extra         more (code, bytes) options, as udhcpc -x
    tries         transmissions per round before giving up (udhcpc -t;
                  0 = never give up). Default 5: the 4, 8, 16, 32, 64 s of §4.1
    timeout       None: RFC 2131 §4.1 back-off; else a fixed wait in seconds
                  between tries (udhcpc -T; udhcpc's defaults are tries=3,
                  timeout=3, pause=20)
    pause         seconds to wait after a round of DISCOVERs went unanswered
                  (udhcpc -A, default 20)
    offer_wait    ms to wait for an offer of the requested address after an
                  acceptable offer of another one (default 500; 0: take the first)
    start_delay   ms: wait a random 1..start_delay ms before the first DISCOVER
                  (§4.4.1 says 1-10 s, SHOULD; default 0 - departure from the
                  RFC for a fast start, the caller can set 10000)
    confirm       False (default): a new lease is bound at once. True: it is
                  offered first (state GRANTED, event LEASE_GRANTED) and bound
                  when the caller calls accept(), or declined with decline()
                  - for an ARP check (§4.4.1 "SHOULD") or the application's policy
    rapid_commit  RFC 4039, off by default: DISCOVER carries option 80, and an
                  ACK to it with option 80 binds at once (two messages). The
                  risk: with several servers, each may commit an address to us
                  and all but one stay tied up until their lease ends
    reboot        ms: the most an INIT-REBOOT (a stored lease confirmed at start
                  or after link up) may take: its REQUEST is sent twice, at 0
                  and half-way, then DISCOVER (a board waking from deep sleep,
                  where some access points drop a REQUEST for an address they
                  did not hand out). None (default): the §4.1 back-off and
                  `tries`, as for any request
    fallback      seconds without a lease after which the event FALLBACK tells
                  the caller to configure its fallback (a static profile,
                  IPv4 link-local); None (default): never. DISCOVER goes on,
                  and a lease that comes later replaces it (Client.fallback
                  goes back to False with LEASE_ACQUIRED or LEASE_GRANTED)
    v6only        RFC 8925, off by default (for hosts that can run without
                  IPv4, e.g. with 464XLAT): option 108 is asked for; an offer
                  carrying it configures nothing, the event V6ONLY says so, and
                  DISCOVER starts again after its wait (at least 300 s)
    """

    def __init__(self, requested=None, client_id="hw", hostname=None, fqdn=None,
                 vendor_class=None, prl=DEFAULT_PRL, max_size=576, broadcast=True,
                 extra=(), tries=5, timeout=None, pause=20, offer_wait=500, start_delay=0,
                 confirm=False, rapid_commit=False, v6only=False, fallback=None, reboot=None):
        if requested is not None and len(requested) != 4:
            raise UsageError("requested must be 4 bytes")
        if max_size is not None and not 576 <= max_size <= 65535:
            raise UsageError("max_size must be 576..65535 (RFC 2132 §9.10)")
        if tries < 0 or pause < 0 or offer_wait < 0 or start_delay < 0:
            raise UsageError("tries, pause, offer_wait and start_delay must be >= 0")
        if timeout is not None and timeout < 1:
            raise UsageError("timeout must be >= 1 s")
        if fallback is not None and fallback < 0:
            raise UsageError("fallback must be >= 0 s")
        if reboot is not None and reboot < 2:
            raise UsageError("reboot must be >= 2 ms")
        for code, raw in extra:
            if not 1 <= code <= 254:
                raise UsageError("extra option code {} not in 1..254".format(code))
        self.requested = None if requested is None else bytes(requested)
        self.client_id = client_id
        self.hostname = hostname
        self.fqdn = fqdn
        self.vendor_class = vendor_class
        self.prl = prl
        self.max_size = max_size
        self.broadcast = broadcast
        self.extra = extra
        self.tries = tries
        self.timeout = timeout
        self.pause = pause
        self.offer_wait = offer_wait
        self.start_delay = start_delay
        self.confirm = confirm
        self.rapid_commit = rapid_commit
        self.v6only = v6only
        self.fallback = fallback
        self.reboot = reboot

    def options(self, mac):
        """The configured options as the (code, bytes) list dhcp4c.build takes."""
        opts = []
        cid = self.client_id
        if isinstance(cid, str) and cid == "hw":
            opts.append((61, client_id_hw(mac)))
        elif isinstance(cid, str) and cid == "rfc4361":
            opts.append((61, client_id_duid(mac)))
        elif cid is not None:
            opts.append((61, _b(cid)))
        if self.hostname:
            opts.append((12, _b(self.hostname)))
        if self.fqdn:
            opts.append((81, fqdn_value(self.fqdn)))
        if self.vendor_class:
            opts.append((60, _b(self.vendor_class)))
        codes = self.prl
        if self.v6only and (not codes or 108 not in codes):
            codes = tuple(codes or ()) + (108,)
        if codes:
            opts.append((55, prl(codes)))
        if self.max_size:
            opts.append((57, u16(self.max_size)))
        for code, raw in self.extra:
            opts.append((code, _b(raw)))
        return opts


def _b(v):
    return v.encode() if isinstance(v, str) else bytes(v)


def check_addr(y, mask=None):
    """0 when yiaddr `y` may be used, else the DROP_* reason (the seed's
    "EvaluateOffer -> Unacceptable"): 0.0.0.0 and 0/8, 255.255.255.255,
    loopback, multicast, class E, and the subnet's network and broadcast
    ("end") addresses under `mask` (option 1; the classful mask when absent;
    not checked for /31 and /32, RFC 3021)."""
    a = y[0]
    if a == 0:
        return DROP_ZERO
    if a == 255 and y[1] == 255 and y[2] == 255 and y[3] == 255:
        return DROP_ALL_ONES
    if a == 127:
        return DROP_LOOPBACK
    if 224 <= a < 240:
        return DROP_MULTICAST
    if a >= 240:
        return DROP_CLASS_E
    if mask is None:
        mask = b"\xff\x00\x00\x00" if a < 128 else (
            b"\xff\xff\x00\x00" if a < 192 else b"\xff\xff\xff\x00")
    if mask[0] == 255 and mask[1] == 255 and mask[2] == 255 and mask[3] >= 254:
        return 0
    net = bc = True
    for i in range(4):
        m = mask[i]
        if y[i] & ~m & 0xFF:
            net = False
        if (y[i] | m) & 0xFF != 0xFF:
            bc = False
    if net:
        return DROP_NETWORK
    if bc:
        return DROP_BROADCAST
    return 0


def usable_server_id(sid, mask=None):
    """True when option 54 can name a server: a unicast address, not 0/8,
    loopback, multicast, class E, 255.255.255.255 or the subnet's broadcast
    address under `mask`. A reply naming anything else comes from no server
    the client could talk to (a rogue's or a broken one), and taking it would
    leave the client REQUESTing from nobody while the real offer goes by."""
    reason = check_addr(sid, mask)
    return reason == 0 or reason == DROP_NETWORK   # x.x.x.0 can be a host in a wider net


class Client:
    """One DHCP client on one interface. See the module docstring for the loop.

    Public attributes (read only): state (dhcp4c.states int), lease (Lease
    held, or None), granted (the Lease waiting for accept() or decline() in
    GRANTED, else None), informed (the parameters from the last DHCPINFORM's
    ACK, a Lease without lease times, else None), stats (dhcp4c.stats.Stats),
    config, mac.
    """

    def __init__(self, mac, config=None, rand32=None):
        if mac is None or len(mac) != 6:
            raise UsageError("mac must be 6 bytes")
        if rand32 is None or not callable(rand32):
            raise UsageError("rand32 is required (a callable returning 0..2**32-1)")
        self.mac = bytes(mac)
        self.config = config if config is not None else Config()
        self._rand = rand32
        self._opts = self.config.options(self.mac)
        self.state = S.STOPPED
        self.lease = None
        self.granted = None
        self.stats = Stats(S.N_STATES)
        self._now = None
        self._entered = 0
        self._xid = None
        self._tries = 0
        self._deadline = None
        self._first = 0          # when the first message of this exchange was sent
        self._secs = 0           # 'secs' of the last DISCOVER (REQUEST repeats it, §4.4.1)
        self._offer = None       # (yiaddr, server_id) chosen in SELECTING
        self._pending = None     # (msg, src): acceptable offer kept while waiting for a better
        self._reboot = None      # Lease to confirm in REBOOTING
        self._requested = self.config.requested
        self._declined = None
        self._naks = 0           # NAKs in a row
        self._inform_addr = None
        self.informed = None        # the parameters the last DHCPINFORM got (a Lease)
        self.fallback = False       # FALLBACK reported, no lease since
        self._fallback_at = None    # when FALLBACK is due (Config.fallback)
        self._out = []
        self._events = []
        self._buf = bytearray(_BUF_SIZE)  # every message is written here (no per-send buffer)

    # -- output ------------------------------------------------------------
    def next_datagram(self):
        """Next (payload_bytes, dst) to send to port 67, or None. dst None: broadcast."""
        return self._out.pop(0) if self._out else None

    def next_event(self):
        """Next event (dhcp4c.events), or None."""
        return self._events.pop(0) if self._events else None

    def next_deadline(self):
        """Absolute time (ms, caller's clock) at which tick() must be called; None: none."""
        d = self._deadline
        lease = self.lease
        if lease is not None:
            e = lease.expiry_at
            if e is not None and (d is None or e < d):
                d = e
        f = self._fallback_at
        if f is not None and (d is None or f < d):
            d = f
        return d

    def time_in_states(self, now):
        """stats.state_ms plus the time spent so far in the current state (a new list)."""
        t = list(self.stats.state_ms)
        if self._now is not None:
            t[self.state] += now - self._entered
        return t

    def time_in_state(self, now):
        """ms spent in the current state so far (0 before the first call with a time)."""
        return 0 if self._now is None else now - self._entered

    def reconfigure(self):
        """Call after changing self.config's options (client_id, hostname, fqdn,
        vendor_class, prl, max_size, extra) or requested: the next message built
        uses them. A new requested address applies when no lease is held."""
        self._opts = self.config.options(self.mac)
        if self.lease is None and self._reboot is None:
            self._requested = self.config.requested

    # -- input -------------------------------------------------------------
    def tick(self, now):
        """Handle every deadline that is due at `now`."""
        self._clock(now)
        self._advance(now)

    def receive(self, data, now, src=None):
        """A UDP payload that arrived on port 68 (src: sender's 4-byte address).
        Never raises for bad input: drops are counted in stats.drops."""
        self._clock(now)
        self._advance(now)
        try:
            self._receive(data, now, src)
        except (ValueError, IndexError) as e:   # MalformedError is a ValueError
            self._drop(DROP_MALFORMED)
            self._event(Event(E.ERROR, kind="malformed", reason=str(e)))
        self._advance(now)

    def send_failed(self, now, reason):
        """The caller could not send the last datagram; retransmission timers
        still apply. Counted and reported as an ERROR event."""
        self._clock(now)
        self.stats.send_failed += 1
        self._event(Event(E.ERROR, kind="send", reason=reason))
        self._advance(now)

    # -- commands ----------------------------------------------------------
    def start(self, now, lease=None):
        """Begin: INIT-REBOOT with `lease` (e.g. Lease.from_text()) unless it is
        known to have expired, else INIT (asking for the old address if any)."""
        self._need(S.CMD_START, "start")
        self._clock(now)
        if lease is not None and not lease.expired(now):
            self._reboot_with(now, lease, S.START)
        else:
            if lease is not None:
                self._requested = lease.address
            self._set_state(now, S.INIT, S.START)
            delay = self.config.start_delay
            if delay:   # §4.4.1: "SHOULD wait a random time between one and ten seconds"
                self._deadline = now + 1 + self._rand() % delay
            else:
                self._discover(now)
        self._advance(now)

    def inform(self, now, addr):
        """DHCPINFORM (§3.4) for an address configured by other means."""
        self._need(S.CMD_INFORM, "inform")
        if addr is None or len(addr) != 4:
            raise UsageError("addr must be 4 bytes")
        self._clock(now)
        self._inform_addr = bytes(addr)
        self._set_state(now, S.INFORMING, S.INFORM)
        self._new_xid()
        self._transmit(now)

    def renew(self, now):
        """Renew now (BOUND -> RENEWING); in RENEWING or REBINDING (past T2, where
        §4.4.5 allows no way back) retransmit the current request at once."""
        self._clock(now)
        self._advance(now)
        self._need(S.CMD_RENEW, "renew")
        if self.state == S.BOUND:
            self._set_state(now, S.RENEWING, S.RENEW)
            self._new_xid()
        self._transmit(now)
        self._advance(now)

    def rebind(self, now):
        """Rebind now (-> REBINDING), or retransmit at once in REBINDING."""
        self._clock(now)
        self._advance(now)
        self._need(S.CMD_REBIND, "rebind")
        if self.state != S.REBINDING:
            self._set_state(now, S.REBINDING, S.REBIND)
            self._new_xid()
        self._transmit(now)
        self._advance(now)

    def release(self, now, message=None):
        """Stop. With a lease (held or granted) and a link, unicast DHCPRELEASE
        to its server (§4.4.6); a held lease is reported lost. Does nothing
        when already STOPPED."""
        self._clock(now)
        self._advance(now)
        st = self.state
        if st == S.STOPPED:
            return
        held = self.lease
        lease = held if held is not None else self.granted
        if lease is not None and st != S.LINK_DOWN and lease.server_id is not None:
            self._new_xid()
            self._send(DHCPRELEASE, build.release(self._xid, self.mac, self._opts,
                                                  lease.address, lease.server_id, message),
                       lease.server_id)
        self.lease = self.granted = None
        self._reboot = None
        self._set_state(now, S.STOPPED, S.RELEASE)
        if held is not None:
            self._lost(held, S.RELEASE)

    def restart(self, now):
        """Drop any lease (no RELEASE) and discover again, asking for the old address."""
        self._clock(now)
        self._advance(now)
        self._need(S.CMD_RESTART, "restart")
        lease = self.lease
        cand = lease if lease is not None else (self.granted or self._reboot)
        if cand is not None:
            self._requested = cand.address
        self.lease = self.granted = None
        self._reboot = None
        if self.state != S.INIT:
            self._set_state(now, S.INIT, S.RESTART)
        if lease is not None:
            self._lost(lease, S.RESTART)
        self._discover(now)
        self._advance(now)

    def accept(self, now):
        """GRANTED -> BOUND: the caller's check of the granted lease passed
        (Config(confirm=True)); configure it on LEASE_ACQUIRED as usual."""
        self._clock(now)
        self._advance(now)
        self._need(S.CMD_ACCEPT, "accept")
        lease = self.granted
        self.granted = None
        self._bind(now, lease, S.ACCEPT)
        self._acquired(now, lease)
        self._advance(now)

    def decline(self, now, message=None):
        """The caller found the granted (or bound) address in use, e.g. by
        ARP: broadcast DHCPDECLINE, rediscover after 10 s (§3.1 step 5). A
        bound lease is reported lost; that address is not taken again until
        another one is bound."""
        self._clock(now)
        self._advance(now)
        self._need(S.CMD_DECLINE, "decline")
        held = self.lease
        lease = held if held is not None else self.granted
        self._new_xid()
        self._send(DHCPDECLINE, build.decline(self._xid, self.mac, self._opts, lease.address,
                                              lease.server_id, message), None)
        self.stats.declines += 1
        self._declined = lease.address
        if self._requested == lease.address:
            self._requested = None
        self.lease = self.granted = None
        self._set_state(now, S.INIT, S.DECLINE)
        if held is not None:
            self._lost(held, S.DECLINE)
        self._deadline = now + timers.DECLINE_WAIT

    def link_down(self, now):
        """Carrier lost. A lease in use (or granted) is paused in LINK_DOWN:
        nothing is sent, the lease is kept until it expires. While none is
        (INIT, SELECTING, REQUESTING, REBOOTING from a stored lease) the
        exchange goes on: a message into a link without carrier is harmless,
        and a link just brought up reports its carrier late (Linux batches
        the notice, up to about a second) - after the first reply, often."""
        self._clock(now)
        self._advance(now)
        st = self.state
        if st == S.STOPPED or st == S.LINK_DOWN:
            return
        if st in _ACQUIRING and self.lease is None:
            return
        if st == S.INFORMING:
            self._set_state(now, S.STOPPED, S.DOWN)
            return
        if st == S.GRANTED:     # not configured yet: confirmed again once the link is back
            self._reboot = self.granted
            self.granted = None
        self._set_state(now, S.LINK_DOWN, S.DOWN)

    def link_up(self, now):
        """Carrier back: INIT-REBOOT to confirm a lease still valid, else INIT.
        Carrier during an exchange that went on without it: its message is
        sent again now (same xid, same schedule), as the first may have gone
        nowhere."""
        self._clock(now)
        self._advance(now)
        st = self.state
        if st in _ACQUIRING and st != S.INIT and self.lease is None:
            tries, deadline = self._tries, self._deadline
            self._transmit(now)
            self._tries, self._deadline = tries, deadline
            return
        if st != S.LINK_DOWN:
            return
        cand = self.lease if self.lease is not None else self._reboot
        if cand is not None and not cand.expired(now):
            self._reboot_with(now, cand, S.UP)
        else:
            if cand is not None:
                self._requested = cand.address
            self._reboot = None
            self._set_state(now, S.INIT, S.UP)
            self._discover(now)
        self._advance(now)

    # -- internals ---------------------------------------------------------
    def _need(self, allowed, what):
        if self.state not in allowed:
            raise UsageError("{} is not possible in state {}".format(what, S.NAMES[self.state]))

    def _clock(self, now):
        if self._now is None:
            self._entered = now
        elif now < self._now:
            raise UsageError("now went backwards ({} < {})".format(now, self._now))
        self._now = now

    def _event(self, e):
        ev = self._events
        if len(ev) >= _MAX_QUEUE:
            ev.pop(0)
            self.stats.events_dropped += 1
        ev.append(e)

    def _drop(self, reason):
        self.stats.drops[reason] += 1

    def _set_state(self, now, new, why):
        """The one place the state changes: only along dhcp4c.states.transitions().
        Resets the retry count, the pending retransmission and the exchange."""
        old = self.state
        if not S.allowed(old, new, why):
            raise UsageError("no transition {} -> {} ({})".format(S.NAMES[old], S.NAMES[new], why))
        st = self.stats
        st.state_ms[old] += now - self._entered
        self._entered = now
        failed = why == S.T2 or why == S.NAK or why == S.EXPIRED or why == S.NO_ACK
        if old == S.RENEWING and failed:
            st.renew_fail += 1
        elif old == S.REBINDING and failed:
            st.rebind_fail += 1
        self.state = new
        # Config.fallback: counted from when the client starts to go without a
        # lease; a lease (or STOPPED, INFORMING) ends it.
        if new == S.BOUND or new == S.GRANTED or new == S.STOPPED or new == S.INFORMING:
            self._fallback_at = None
            self.fallback = False
        elif (self.lease is None and self._fallback_at is None and not self.fallback
              and self.config.fallback is not None):
            self._fallback_at = now + self.config.fallback * 1000
        self._tries = 0
        self._deadline = None
        self._xid = None
        self._pending = None
        self._event(Event(E.STATE_CHANGED, old=old, new=new, why=why))

    def _bind(self, now, lease, why):
        """Hold `lease` from now on: BOUND until its T1."""
        self.lease = lease
        self._set_state(now, S.BOUND, why)
        self._deadline = lease.t1_at

    def _acquired(self, now, lease):
        self.stats.leases += 1
        self._event(Event(E.LEASE_ACQUIRED, lease=lease, left=lease.time_left(now)))

    def _lost(self, lease, why):
        self._event(Event(E.LEASE_LOST, lease=lease, why=why))

    def _new_xid(self):
        r = self._rand()
        self._xid = bytes(((r >> 24) & 0xFF, (r >> 16) & 0xFF, (r >> 8) & 0xFF, r & 0xFF))

    def _send(self, mtype, msg, dst):
        try:
            n = encode_into(msg, self._buf)
            raw = bytes(memoryview(self._buf)[:n])
        except UsageError:  # more than _BUF_SIZE (long extra options): sized to fit
            raw = encode(msg)
        self._out.append((raw, dst))
        if len(self._out) > _MAX_QUEUE:
            self._out.pop(0)
        self.stats.sent[mtype] += 1

    def _discover(self, now):
        self._set_state(now, S.SELECTING, S.DISCOVER)
        self._new_xid()
        self._transmit(now)

    def _reboot_with(self, now, lease, why):
        self._reboot = lease
        self._set_state(now, S.INIT_REBOOT, why)
        self._set_state(now, S.REBOOTING, S.REBOOT)
        self._new_xid()
        self._transmit(now)

    def _transmit(self, now):
        """(Re)send this state's message and schedule the next retransmission."""
        st = self.state
        if self._tries == 0:
            self._first = now
        else:
            self.stats.retransmissions += 1
        secs = timers.secs_field(now, self._first)
        cfg = self.config
        xid = self._xid
        mac = self.mac
        opts = self._opts
        lease = self.lease
        dst = None
        end = None
        if st == S.SELECTING:
            self._secs = secs
            msg = build.discover(xid, mac, opts, self._requested, cfg.broadcast, secs)
            if cfg.rapid_commit:        # RFC 4039 §4: in DISCOVER only
                msg.set(80, b"")
            mtype = DHCPDISCOVER
        elif st == S.REQUESTING:
            msg = build.request_selecting(xid, mac, opts, self._offer[0], self._offer[1],
                                          cfg.broadcast, self._secs)
            mtype = DHCPREQUEST
        elif st == S.REBOOTING:
            msg = build.request_init_reboot(xid, mac, opts, self._reboot.address,
                                            cfg.broadcast, secs)
            mtype = DHCPREQUEST
        elif st == S.RENEWING:
            msg = build.request_renewing(xid, mac, opts, lease.address, secs)
            mtype = DHCPREQUEST
            dst = lease.server_id
            end = lease.t2_at
        elif st == S.REBINDING:
            msg = build.request_rebinding(xid, mac, opts, lease.address, secs)
            mtype = DHCPREQUEST
            end = lease.expiry_at
        else:  # INFORMING
            msg = build.inform(xid, mac, opts, self._inform_addr, secs)
            mtype = DHCPINFORM
        self._send(mtype, msg, dst)
        self._tries += 1
        if end is not None:
            self._deadline = timers.half_remaining(now, end)       # §4.4.5
        elif st == S.REBOOTING and cfg.reboot is not None:         # bounded INIT-REBOOT
            self._deadline = now + (cfg.reboot >> 1)
        else:
            r = self._rand() if cfg.timeout is None else 0
            self._deadline = now + timers.retransmit_ms(self._tries - 1, cfg.timeout, r)

    def _advance(self, now):
        """Fire every deadline that is due; afterwards next_deadline() > now."""
        while True:
            d = self.next_deadline()
            if d is None or d > now:
                return
            if d == self._fallback_at:
                self._fallback_at = None
                self.fallback = True
                self._event(Event(E.FALLBACK))
            else:
                self._fire(now)

    def _fire(self, now):
        lease = self.lease
        if lease is not None and lease.expiry_at is not None and now >= lease.expiry_at:
            self._lose(now, lease)
            return
        self._deadline = None
        st = self.state
        cfg = self.config
        out = cfg.tries and self._tries >= cfg.tries
        if st == S.INIT:
            self._discover(now)
        elif st == S.SELECTING:
            pend = self._pending
            if pend is not None:
                self._select(now, pend[0], pend[1])
            elif out:
                self._set_state(now, S.INIT, S.NO_OFFER)
                self._event(Event(E.ROUND_FAILED, why=S.NO_OFFER))
                if cfg.pause:
                    self._deadline = now + cfg.pause * 1000
                else:
                    self._discover(now)
            else:
                self._transmit(now)
        elif st == S.REQUESTING or st == S.REBOOTING:
            if st == S.REBOOTING and cfg.reboot is not None:
                out = self._tries >= 2          # Config.reboot: two REQUESTs, then DISCOVER
            if out and st == S.REBOOTING and lease is not None:
                # §3.2 step 4: no answer after link up; keep using the unexpired lease.
                self._reboot = None
                self._bind(now, lease, S.NO_ACK)
            elif out:
                if st == S.REBOOTING:
                    self._requested = self._reboot.address
                    self._reboot = None
                self._set_state(now, S.INIT, S.NO_ACK)   # §3.1 step 5 / §3.2 step 4
                self._event(Event(E.ROUND_FAILED, why=S.NO_ACK))
                self._discover(now)
            else:
                self._transmit(now)
        elif st == S.GRANTED:     # the granted lease expired before the caller answered
            self._requested = self.granted.address
            self.granted = None
            self._set_state(now, S.INIT, S.EXPIRED)
            self._discover(now)
        elif st == S.INFORMING:
            if out:
                self._set_state(now, S.STOPPED, S.NO_ACK)
                self._event(Event(E.ROUND_FAILED, why=S.NO_ACK))
            else:
                self._transmit(now)
        elif st == S.BOUND:
            if now >= lease.t2_at:
                self._set_state(now, S.REBINDING, S.T2)
            else:
                self._set_state(now, S.RENEWING, S.T1)
            self._new_xid()
            self._transmit(now)
        elif st == S.RENEWING or st == S.REBINDING:
            if lease.t2_at is None:          # infinite lease, renewed on command
                if out:
                    self._bind(now, lease, S.NO_ACK)
                else:
                    self._transmit(now)
            elif st == S.RENEWING and now >= lease.t2_at:
                self._set_state(now, S.REBINDING, S.T2)
                self._new_xid()
                self._transmit(now)
            else:
                self._transmit(now)

    def _lose(self, now, lease):
        """The held lease expired (§4.4.5): report it, start again from INIT."""
        self.lease = None
        self._requested = lease.address
        st = self.state
        if st == S.LINK_DOWN:
            self._lost(lease, S.EXPIRED)
            return
        self._reboot = None
        self._set_state(now, S.INIT, S.EXPIRED)
        self._lost(lease, S.EXPIRED)
        self._discover(now)

    def _receive(self, data, now, src):
        msg = decode(data)
        t = msg.msg_type
        self.stats.received[t] += 1
        if msg.op != 2:
            return self._drop(DROP_NOT_REPLY)
        if self._xid is None:
            return self._drop(DROP_UNEXPECTED)
        if msg.xid != self._xid:
            return self._drop(DROP_XID)
        if msg.chaddr[:6] != self.mac:
            return self._drop(DROP_CHADDR)
        st = self.state
        if st == S.SELECTING:
            if t == DHCPOFFER:
                return self._on_offer(now, msg, src)
            if t == DHCPACK and self.config.rapid_commit and 80 in msg.options:
                return self._on_rapid_ack(now, msg, src)
        elif st == S.INFORMING:
            if t == DHCPACK:
                return self._on_inform_ack(now, msg, src)
        elif t == DHCPACK or t == DHCPNAK:   # REQUESTING, REBOOTING, RENEWING, REBINDING
            sid = msg.addr(54)
            if sid is None:
                return self._drop(DROP_NO_SERVER_ID)
            if not usable_server_id(sid, msg.addr(1)):
                return self._drop(DROP_BAD_SERVER_ID)
            # Only the server we talk to in REQUESTING and RENEWING (module docstring).
            if ((st == S.REQUESTING and sid != self._offer[1])
                    or (st == S.RENEWING and sid != self.lease.server_id)):
                return self._drop(DROP_SERVER_MISMATCH)
            if t == DHCPACK:
                if ((st == S.REQUESTING or st == S.REBOOTING) and self.lease is None
                        and self._v6only(now, msg, sid)):     # not for a lease in use
                    return None
                return self._on_ack(now, msg, sid, src)
            return self._on_nak(now, msg, sid, src)
        return self._drop(DROP_UNEXPECTED)

    def _on_offer(self, now, msg, src):
        sid = msg.addr(54)
        y = msg.yiaddr
        mask = msg.addr(1)
        if sid is None:
            reason = DROP_NO_SERVER_ID
        elif not usable_server_id(sid, mask):
            reason = DROP_BAD_SERVER_ID
        else:
            reason = check_addr(y, mask)
            if not reason and y == self._declined:
                reason = DROP_DECLINED
        if reason:
            self._drop(reason)
            self._event(Event(E.OFFER_REJECTED, yiaddr=y, server_id=sid,
                                reason=DROP_NAMES[reason]))
            return
        if self._v6only(now, msg, sid):
            return
        want = self._requested
        if want is None or y == want or not self.config.offer_wait:
            self._select(now, msg, src)
        elif self._pending is None:
            self._pending = (msg, src)
            d = now + self.config.offer_wait
            if self._deadline is None or d < self._deadline:
                self._deadline = d

    def _select(self, now, msg, src):
        """Take this offer: broadcast the SELECTING REQUEST with the same xid."""
        xid = self._xid
        sid = msg.addr(54)
        self._set_state(now, S.REQUESTING, S.OFFER)
        self._xid = xid
        self._offer = (msg.yiaddr, sid)
        self._event(Event(E.SERVER_INFO, server_id=sid, src=src, options=msg.options))
        self._transmit(now)

    def _v6only(self, now, msg, sid):
        """RFC 8925 §3.2: with Config(v6only=True), a reply carrying option 108
        (V6ONLY_WAIT, 4 bytes) means no IPv4 here: nothing is configured, INIT
        waits max(V6ONLY_WAIT, 300 s), then DISCOVER. True when it acted."""
        raw = msg.options.get(108) if self.config.v6only else None
        if raw is None or len(raw) != 4:     # absent, or malformed: ignored (§3.3)
            return False
        wait = uint(raw)
        if wait < 300:                       # MIN_V6ONLY_WAIT
            wait = 300
        self._reboot = None
        self._set_state(now, S.INIT, S.V6ONLY)
        self._deadline = now + wait * 1000
        self._event(Event(E.V6ONLY, server_id=sid, wait=wait))
        return True

    def _on_rapid_ack(self, now, msg, src):
        """RFC 4039 §4: an ACK to our DISCOVER, with option 80: bound (or
        granted) at once, checked as an offer and as an ACK are."""
        sid = msg.addr(54)
        if sid is None:
            return self._drop(DROP_NO_SERVER_ID)
        if not usable_server_id(sid, msg.addr(1)):
            return self._drop(DROP_BAD_SERVER_ID)
        if self._v6only(now, msg, sid):
            return None
        self._offer = (msg.yiaddr, sid)
        return self._on_ack(now, msg, sid, src, S.RAPID)

    def _on_ack(self, now, msg, sid, src, why=S.ACK):
        st = self.state
        if st == S.REQUESTING or st == S.SELECTING:
            want = self._offer[0]
        elif st == S.REBOOTING:
            want = self._reboot.address
        else:
            want = self.lease.address
        y = msg.yiaddr
        if y != want:
            return self._drop(DROP_ADDR_MISMATCH)
        new = Lease.from_ack(msg, self._first, src)   # may raise MalformedError
        reason = check_addr(y, new.mask)
        if reason:
            return self._drop(reason)
        if msg.dropped is not None:     # the lease stands without them
            for code, fault in msg.dropped:
                self.stats.options_dropped += 1
                self._event(Event(E.ERROR, kind="option",
                                  reason="option {} left out: {}".format(code, fault)))
        old = self.lease
        self._reboot = None
        self._naks = 0
        self._declined = None
        self._requested = y
        if st == S.RENEWING:
            self.stats.renew_ok += 1
        elif st == S.REBINDING:
            self.stats.rebind_ok += 1
        if old is None and self.config.confirm:     # the caller checks it first
            self.granted = new
            self._set_state(now, S.GRANTED, why)
            self._deadline = new.expiry_at
        else:
            self._bind(now, new, why)
        self._event(Event(E.SERVER_INFO, server_id=sid, src=src, options=msg.options))
        left = new.time_left(now)
        if old is not None and new.same_params(old):
            self._event(Event(E.LEASE_RENEWED, lease=new, left=left))
        elif old is not None:
            self._event(Event(E.LEASE_CHANGED, lease=new, old=old, left=left))
        elif self.granted is not None:
            self._event(Event(E.LEASE_GRANTED, lease=new, left=left))
        else:
            self._acquired(now, new)

    def _on_nak(self, now, msg, sid, src):
        """§3.1 step 3, §3.2 step 3, §4.4.5: back to INIT; the address is not ours."""
        st = self.state
        self.stats.naks += 1
        self._naks += 1
        self._event(Event(E.NAK_RECEIVED, server_id=sid, message=msg.text(56), src=src))
        if st == S.REQUESTING:
            bad = self._offer[0]
        elif st == S.REBOOTING:
            bad = self._reboot.address
        else:
            bad = self.lease.address
        if self._requested == bad:
            self._requested = None
        lease = self.lease
        self.lease = None
        self._reboot = None
        self._set_state(now, S.INIT, S.NAK)
        if lease is not None:
            self._lost(lease, S.NAK)
        wait = timers.nak_wait_ms(self._naks)
        if wait:
            self._deadline = now + wait
        else:
            self._discover(now)

    def _on_inform_ack(self, now, msg, src):
        sid = msg.addr(54)
        if sid is None:
            return self._drop(DROP_NO_SERVER_ID)
        info = Lease.from_ack(msg, now, src)
        info.address = self._inform_addr
        info.lease_time = info.t1 = info.t2 = None
        info.t1_at = info.t2_at = info.expiry_at = None
        # §4.3.5: the server "MUST NOT send a lease expiration time"; one that
        # does still grants no lease, so no lease times reach the caller.
        opts = {}
        for code in msg.options:
            if code != 51 and code != 58 and code != 59:
                opts[code] = msg.options[code]
        info.options = opts
        self.informed = info
        self._set_state(now, S.STOPPED, S.ACK)
        self._event(Event(E.SERVER_INFO, server_id=sid, src=src, options=msg.options))
        self._event(Event(E.INFORM_ACKED, lease=info))

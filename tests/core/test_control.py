"""dhcp4c.control.Controller against a real Client driven by the fake server:
every command, events to subscribers, errors and server info, config, bad
requests, several connections. Runs on CPython and MicroPython."""
from fakeserver import Run, Server, SID, SID2, ADDR, ip
from portable import unhex
from dhcp4c.client import Config
from dhcp4c.control import Controller, COMMANDS, PROTOCOL
from dhcp4c.frames import FrameReader, NEED_DATA, encode

SRV = Server()


def parse(data):
    r = FrameReader(65536)
    r.receive_data(data)
    out = []
    while True:
        f = r.next_frame()
        if f is NEED_DATA:
            return out
        out.append(f)


class Rig:
    def __init__(self, config=None):
        self.r = Run(config)
        self.ctl = Controller(self.r.c, firmware="0.1.0", board="test")
        self.id = 0

    def pump(self):
        while True:
            e = self.r.c.next_event()
            if e is None:
                return
            self.ctl.on_event(e, self.r.now)

    def bind(self, srv=SRV):
        r = self.r
        r.start()
        self.pump()
        r.recv(srv.offer(r.sent()[0][0]), srv.sid)
        self.pump()
        req = r.sent()[0][0]
        r.recv(srv.ack(req), srv.sid)
        self.pump()
        return req

    def ask(self, cmd, args=None, conn=0):
        self.id += 1
        req = {"id": self.id, "cmd": cmd}
        if args is not None:
            req["args"] = args
        out = parse(self.ctl.feed(conn, encode(req), self.r.now))
        self.pump()
        assert len(out) == 1 and out[0]["id"] == self.id, out
        return out[0]

    def ok(self, cmd, args=None, conn=0):
        resp = self.ask(cmd, args, conn)
        assert resp["ok"] is True, resp
        return resp["result"]

    def err(self, cmd, args=None, conn=0):
        resp = self.ask(cmd, args, conn)
        assert resp["ok"] is False, resp
        return resp["error"]["code"]


def test_hello():
    g = Rig()
    h = g.ok("hello")
    assert h["protocol"] == PROTOCOL == 1 and h["firmware"] == "0.1.0" and h["board"] == "test"
    assert h["max_line"] == 1024 and "events" in h["capabilities"]
    for c in COMMANDS:
        assert c in h["capabilities"]


def test_state_without_lease():
    g = Rig()
    s = g.ok("state")
    assert s == {"state": "STOPPED", "in_state_ms": 0, "lease": None, "informed": None,
                 "fallback": None}


def test_state_bound_with_times_left():
    g = Rig()
    g.bind()
    g.r.at(100000)
    s = g.ok("state")
    assert s["state"] == "BOUND" and s["in_state_ms"] == 100000
    l = s["lease"]
    assert l["address"] == "192.0.2.50" and l["mask"] == "255.255.255.0"
    assert l["routers"] == ["192.0.2.1"] and l["dns"] == ["192.0.2.53"]
    assert l["domain"] == "example.org" and l["server_id"] == "192.0.2.1"
    assert (l["lease_time"], l["t1"], l["t2"]) == (3600, 1800, 3150)
    assert l["elapsed_ms"] == 100000 and l["t1_in_ms"] == 1700000
    assert l["t2_in_ms"] == 3050000 and l["expiry_in_ms"] == 3500000
    assert l["options"]["51"] == "00000e10" and l["options"]["1"] == "ffffff00"


def test_renew_sends_request_and_events_reach_subscribers():
    g = Rig()
    g.bind()
    assert g.ok("subscribe", conn=1) == {"subscribed": True}
    g.r.at(1000)
    assert g.ok("renew") == {"state": "RENEWING"}
    sent = g.r.sent()
    assert len(sent) == 1 and sent[0][0].msg_type == 3 and sent[0][1] == SID
    assert g.ctl.pending(0) == b""          # conn 0 did not subscribe
    ev = parse(g.ctl.pending(1))
    assert ev[0]["event"] == "state" and ev[0]["old"] == "BOUND"
    assert ev[0]["new"] == "RENEWING" and ev[0]["why"] == "renew"
    assert g.ctl.pending(1) == b""          # drained
    g.r.recv(SRV.ack(sent[0][0]))
    g.pump()
    ev = parse(g.ctl.pending(1))
    kinds = [(e["event"], e.get("kind"), e.get("new")) for e in ev]
    assert ("lease", "renewed", None) in kinds and ("state", None, "BOUND") in kinds
    seqs = [e["seq"] for e in ev]
    assert seqs == sorted(seqs)


def test_parts_forms_write_the_same_frames():
    # what the board writes piece by piece is what feed()/pending() join
    a = Rig()
    b = Rig()
    for g in (a, b):
        g.bind()
        g.ok("subscribe", conn=1)
    req = encode({"id": 9, "cmd": "state"}) + encode({"id": 10, "cmd": "renew"})
    whole = a.ctl.feed(1, req, a.r.now)
    parts = b.ctl.feed_parts(1, req, b.r.now)
    assert len(parts) == 6 and parts[0] == b"@@" and parts[3] == b"@@"
    assert b"".join(parts) == whole
    assert [f["id"] for f in parse(whole)] == [9, 10]
    a.pump()
    b.pump()
    ev_whole = a.ctl.pending(1)
    ev_parts = b.ctl.pending_parts(1)
    assert ev_whole and b"".join(ev_parts) == ev_whole
    assert b.ctl.pending_parts(1) == [] and b.ctl.feed_parts(1, b"noise\n", 0) == []


def test_rebind_release_restart():
    g = Rig()
    g.bind()
    assert g.ok("rebind") == {"state": "REBINDING"}
    assert g.r.sent()[0][1] is None               # broadcast
    assert g.ok("release") == {"state": "STOPPED"}
    assert g.r.sent()[0][0].msg_type == 7
    assert g.ok("state")["lease"] is None
    g.bind()
    assert g.ok("restart")["state"] in ("INIT", "SELECTING", "INIT_REBOOT", "REBOOTING")


def test_state_gives_the_options_an_application_reads():
    """Issue 16, item 6: NTP servers, MTU, RFC 3442 routes and the RFC 3397
    search list, typed, beside every option raw by code."""
    search = unhex("076578616d706c65036f726700" "0161c000")   # example.org, a.<ptr>
    srv = Server(extra=((42, ip("192.0.2.123") + ip("192.0.2.124")), (26, b"\x05\xdc"),
                        (121, unhex("18c63364c0000201" "00c00002fe")), (119, search)))
    g = Rig()
    g.bind(srv)
    lease = g.ok("state")["lease"]
    assert lease["ntp"] == ["192.0.2.123", "192.0.2.124"] and lease["mtu"] == 1500
    assert lease["routes"] == [["198.51.100.0/24", "192.0.2.1"], ["0.0.0.0/0", "192.0.2.254"]]
    assert lease["search"] == ["example.org", "a.example.org"]
    assert lease["options"]["42"] == "c000027bc000027c"        # and raw, by code
    g = Rig()
    g.bind(Server(extra=((119, b"\x07exa"),)))                  # a misshapen list
    lease = g.ok("state")["lease"]
    assert lease["search"] is None and lease["ntp"] == [] and lease["routes"] == []
    assert lease["mtu"] is None


def test_inform_command_state_and_event():
    g = Rig()
    g.ok("subscribe")
    assert g.err("inform") == "bad_args"
    for bad in ("192.0.2", "192.0.2.300", 7, None, ["192.0.2.50"]):
        assert g.err("inform", {"address": bad}) == "bad_args", bad
    assert g.ok("inform", {"address": "192.0.2.50"}) == {"state": "INFORMING"}
    m = g.r.sent()[0][0]
    assert m.msg_type == 8 and m.ciaddr == ADDR
    g.r.recv(SRV.answer(m))
    g.pump()
    st = g.ok("state")
    assert st["state"] == "STOPPED" and st["lease"] is None
    assert st["informed"]["address"] == "192.0.2.50" and st["informed"]["lease_time"] is None
    ev = [f for f in parse(g.ctl.pending(0)) if f.get("event") == "inform"]
    assert ev and ev[0]["lease"]["address"] == "192.0.2.50"
    g.bind()
    assert g.err("inform", {"address": "192.0.2.50"}) == "not_allowed"   # a lease is held


def test_commands_refused_by_the_state_machine():
    g = Rig()
    assert g.err("renew") == "not_allowed"
    assert g.err("rebind") == "not_allowed"
    resp = g.ask("renew")
    assert "STOPPED" in resp["error"]["message"]


def test_stats_and_reset():
    g = Rig()
    g.bind()
    g.ctl.feed(0, b">>> noise\r\n", 0)
    s = g.ok("stats")
    assert s["client"]["sent"] == {"DISCOVER": 1, "REQUEST": 1}
    assert s["client"]["received"] == {"OFFER": 1, "ACK": 1} and s["client"]["leases"] == 1
    c = s["control"]
    assert c["noise"] == 1 and c["frames_in"] == 1 and c["frames_out"] == 0
    assert c["connections"] == 1
    s = g.ok("stats", {"reset": True})
    assert s["client"]["leases"] == 1
    s = g.ok("stats")
    assert s["client"]["leases"] == 0 and s["client"]["sent"] == {}
    assert s["control"]["noise"] == 0 and s["control"]["frames_in"] == 1
    assert g.err("stats", {"reset": 1}) == "bad_args"
    assert g.err("stats", {"clear": True}) == "bad_args"


def test_adapter_counters_and_clients_reported_and_reset():
    g = Rig()
    g.ctl.transport["clients_dropped"] = 2
    g.ctl.link["bad_checksum"] = 3
    g.ctl.connection(7)                    # a peer connected, nothing read yet
    s = g.ok("stats")
    c = s["control"]
    assert c["clients_dropped"] == 2 and c["clients"] == 2 and c["connections"] == 2
    assert s["link"] == {"bad_checksum": 3} and "bad_checksum" not in c
    g.ok("stats", {"reset": True})
    s = g.ok("stats")
    c = s["control"]
    assert c["clients_dropped"] == 0 and c["clients"] == 2
    assert s["link"] == {"bad_checksum": 0}
    g.ctl.close(7)
    assert g.ok("stats")["control"]["clients"] == 1


def test_granted_lease_and_failed_round_reach_subscribers():
    g = Rig(Config(confirm=True, tries=1, timeout=1, pause=0))
    g.ok("subscribe")
    g.bind()
    frames = parse(g.ctl.pending(0))
    lease = [f for f in frames if f["event"] == "lease"]
    assert [f["lease"]["address"] for f in lease] == ["192.0.2.50"]
    assert lease[0]["kind"] == "granted" and g.ok("state")["state"] == "GRANTED"
    g.r.c.restart(g.r.now)
    g.r.sent()
    g.r.at(g.r.now + 1000)                 # one try, unanswered: the round ends
    g.pump()
    frames = parse(g.ctl.pending(0))
    assert {"event": "no_lease", "why": "no offer"} in [
        {"event": f["event"], "why": f.get("why")} for f in frames]
    errs = g.ok("errors")["errors"]
    assert errs[-1]["message"] == "no lease this round: no offer"


def test_server_info():
    g = Rig()
    assert g.ok("server") == {"servers": []}
    g.bind()
    g.r.at(5000)
    s = g.ok("server")["servers"]
    assert len(s) == 1
    assert s[0]["id"] == "192.0.2.1" and s[0]["address"] == "192.0.2.1"
    assert s[0]["options"]["54"] == "c0000201" and s[0]["seen_ms_ago"] == 5000
    assert s[0]["count"] >= 1


def test_errors_ring_buffer():
    g = Rig()
    g.bind()
    g.r.at(10)
    g.r.c.send_failed(10, "ENETDOWN")
    g.pump()
    g.r.recv(b"\x00" * 20)           # malformed
    g.pump()
    g.r.at(50)
    e = g.ok("errors")
    assert e["total"] == 2
    assert e["errors"][0] == {"ago_ms": 40, "kind": "send", "message": "ENETDOWN"}
    assert e["errors"][1]["kind"] == "malformed"
    for i in range(20):
        g.r.c.send_failed(50, "e{}".format(i))
    g.pump()
    e = g.ok("errors")
    assert e["total"] == 22 and len(e["errors"]) == 8 and e["errors"][-1]["message"] == "e19"


def test_nak_recorded_as_error_and_event():
    g = Rig()
    g.bind()
    g.ok("subscribe")
    g.ok("renew")
    req = g.r.sent()[0][0]
    g.r.recv(SRV.nak(req, b"wrong network"))
    g.pump()
    ev = [e["event"] for e in parse(g.ctl.pending(0))]
    assert "nak" in ev and "lease_lost" in ev
    kinds = [e["kind"] for e in g.ok("errors")["errors"]]
    assert "nak" in kinds and "lease" in kinds


def test_unsubscribe_and_queue_bound():
    g = Rig()
    g.ok("subscribe")
    g.bind()
    g.ctl.pending(0)
    for i in range(30):                 # the client itself queues up to 32
        g.r.c.send_failed(0, "x")
    g.pump()
    ev = parse(g.ctl.pending(0))
    assert len(ev) == 16 and g.ctl.events_dropped == 14
    assert ev[-1]["seq"] - ev[0]["seq"] == 15
    assert g.ok("unsubscribe") == {"subscribed": False}
    g.r.c.send_failed(0, "x")
    g.pump()
    assert g.ctl.pending(0) == b""


def test_config_get_set():
    g = Rig(Config(hostname="board1"))
    assert g.ok("config") == {"client_id": "hw", "hostname": "board1", "requested": None}
    got = g.ok("config", {"set": {"hostname": "node7", "requested": "192.0.2.77",
                                  "client_id": "abc"}})
    assert got == {"client_id": "abc", "hostname": "node7", "requested": "192.0.2.77"}
    g.r.start()
    d = g.r.sent()[0][0]
    assert d.options[12] == b"node7" and d.options[50] == ip("192.0.2.77")
    assert d.options[61] == b"abc"
    assert g.ok("config", {"set": {"client_id": None, "hostname": None}})["client_id"] is None


def test_config_bad_args():
    g = Rig()
    assert g.err("config", {"set": {"requested": "1.2.3"}}) == "bad_args"
    assert g.err("config", {"set": {"requested": 5}}) == "bad_args"
    assert g.err("config", {"set": {"hostname": ""}}) == "bad_args"
    assert g.err("config", {"set": {"hostname": "x" * 64}}) == "bad_args"
    assert g.err("config", {"set": {"mtu": 1}}) == "bad_args"
    assert g.err("config", {"set": "x"}) == "bad_args"
    assert g.err("config", {"get": 1}) == "bad_args"
    # nothing was half-applied
    assert g.ok("config")["hostname"] is None


def test_unknown_command_and_bad_requests():
    g = Rig()
    assert g.err("frobnicate") == "unknown_command"
    assert g.err("state", {"x": 1}) == "bad_args"
    out = parse(g.ctl.feed(0, encode({"id": 5, "cmd": "state", "args": [1]}), 0))
    assert out[0]["error"]["code"] == "bad_request" and out[0]["id"] == 5
    out = parse(g.ctl.feed(0, encode({"id": 6}), 0))
    assert out[0]["error"]["code"] == "bad_request"
    out = parse(g.ctl.feed(0, encode({"id": 7, "cmd": 3}), 0))
    assert out[0]["error"]["code"] == "bad_request"
    out = parse(g.ctl.feed(0, encode({"id": True, "cmd": "state"}), 0))
    assert out[0]["error"]["code"] == "bad_request" and out[0]["id"] is None
    out = parse(g.ctl.feed(0, encode({"id": [1], "cmd": "state"}), 0))
    assert out[0]["error"]["code"] == "bad_request"
    # no id: nobody to answer, counted
    assert g.ctl.feed(0, encode({"cmd": "state"}), 0) == b""
    # a response or event echoed back (e.g. a loopback) is ignored
    assert g.ctl.feed(0, encode({"id": 1, "ok": True, "result": {}}), 0) == b""
    assert g.ctl.feed(0, encode({"event": "state", "seq": 1}), 0) == b""
    c = g.ok("stats")["control"]
    assert c["no_id"] == 1 and c["errors_sent"] == 7


def test_string_ids_and_noise_between_requests():
    g = Rig()
    data = (b">>> \r\nhello\r\n" + encode({"id": "a", "cmd": "hello"}) + b"\x00\xff\x03garbage\n"
            + b"@@{broken#00000000\n" + encode({"id": "b", "cmd": "state"}))
    out = parse(g.ctl.feed(0, data, 0))
    assert [o["id"] for o in out] == ["a", "b"] and out[1]["result"]["state"] == "STOPPED"
    c = g.ctl.counters()
    assert c["noise"] == 3 and c["bad_crc"] == 1 and c["frames_in"] == 2


def test_partial_request_across_feeds():
    g = Rig()
    f = encode({"id": 1, "cmd": "hello"})
    for i in range(len(f) - 1):
        assert g.ctl.feed(0, f[i:i + 1], 0) == b""
    assert parse(g.ctl.feed(0, f[-1:], 0))[0]["id"] == 1


def test_oversize_request_dropped():
    g = Rig()
    big = encode({"id": 1, "cmd": "config", "args": {"set": {"hostname": "x" * 2000}}})
    assert g.ctl.feed(0, big, 0) == b""
    assert g.ctl.counters()["oversize"] == 1
    assert g.ok("hello")["protocol"] == 1


def test_connections_are_separate_and_counters_survive_close():
    g = Rig()
    f = encode({"id": 1, "cmd": "hello"})
    a = g.ctl.feed("a", f[:10], 0)
    b = g.ctl.feed("b", f, 0)
    assert a == b"" and len(parse(b)) == 1
    assert len(parse(g.ctl.feed("a", f[10:], 0))) == 1
    g.ctl.feed("a", b"noise\n", 0)
    g.ctl.close("a")
    g.ctl.close("zzz")
    c = g.ctl.counters()
    assert c["frames_in"] == 2 and c["noise"] == 1 and c["connections"] == 2
    assert g.ctl.pending("a") == b""

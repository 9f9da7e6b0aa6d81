#!/usr/bin/env python3
"""Capture JetStream API exchanges from a reference nats-server into fixtures.

Usage: capture.py /path/to/nats-server [port] [--streams | --consumers]
Starts the server with a fresh store on a loopback port, runs every scenario
below in order over a raw NATS connection (so header blocks are kept byte for
byte) and writes tests/fixtures/<name>.json with the subject, request, and
the exact response bytes. Re-run it to refresh the fixtures after an upgrade.
"""
import json, os, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        self._line()  # INFO
        self.s.sendall(b'CONNECT {"verbose":false,"headers":true,"no_responders":true,"protocol":1}\r\nSUB _R.> 1\r\nPING\r\n')
        while self._line() != b"PONG":
            pass
        self.n = 0

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def request(self, subject, payload=b"", headers=None, timeout=3.0):
        self.n += 1
        inbox = "_R.%d" % self.n
        if headers is not None:
            h = headers.encode()
            self.s.sendall(b"HPUB %s %s %d %d\r\n%s%s\r\n" % (subject.encode(), inbox.encode(), len(h), len(h) + len(payload), h, payload))
        else:
            self.s.sendall(b"PUB %s %s %d\r\n%s\r\n" % (subject.encode(), inbox.encode(), len(payload), payload))
        self.s.settimeout(timeout)
        try:
            while True:
                line = self._line()
                if line == b"PING":
                    self.s.sendall(b"PONG\r\n")
                    continue
                parts = line.split(b" ")
                if parts[0] == b"MSG":
                    data = self._take(int(parts[-1]))
                    hdr = None
                elif parts[0] == b"HMSG":
                    hlen, tot = int(parts[-2]), int(parts[-1])
                    raw = self._take(tot)
                    hdr, data = raw[:hlen], raw[hlen:]
                else:
                    continue
                if parts[1].decode() == inbox:
                    return hdr, data
        except socket.timeout:
            return None, None

    def publish(self, subject, payload=b""):
        self.s.sendall(b"PUB %s %d\r\n%s\r\n" % (subject.encode(), len(payload), payload))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    binary = args[0]
    port = int(args[1]) if len(args) > 1 else 14999
    # Each scenario set runs against its own fresh server so that adding
    # consumer scenarios cannot change what the stream fixtures capture.
    if "--consumers" not in flags:
        with_server(binary, port, run)
    if "--streams" not in flags:
        with_server(binary, port, run_consumers)


def with_server(binary, port, scenarios):
    store = tempfile.mkdtemp()
    srv = subprocess.Popen([binary, "-js", "-sd", store, "-a", "127.0.0.1", "-p", str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            try:
                c = Conn(port)
                break
            except OSError:
                time.sleep(0.1)
        os.makedirs(OUT, exist_ok=True)
        scenarios(c)
    finally:
        srv.terminate()
        srv.wait()
        shutil.rmtree(store, ignore_errors=True)


def requester(c):
    """A function that sends one request and saves it as fixture `name`."""
    def req(name, subject, body=b"", headers=None, save=True):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        hdr, data = c.request(subject, body, headers)
        fx = {"subject": subject, "request": body.decode(), "request_headers": headers,
              "response": None if data is None else data.decode(),
              "response_headers": None if hdr is None else hdr.decode()}
        if save and name:
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                json.dump(fx, f, indent=1)
                f.write("\n")
        return fx
    return req


def run(c):
    req = requester(c)

    S = "$JS.API.STREAM."
    # --- account info on an empty account
    req("info_empty", "$JS.API.INFO")
    # --- creates
    req("create_minimal", S + "CREATE.ORDERS", {"name": "ORDERS"})
    req("create_same_again", S + "CREATE.ORDERS", {"name": "ORDERS"})
    req("create_exists_different", S + "CREATE.ORDERS", {"name": "ORDERS", "subjects": ["x"]})
    req("create_full", S + "CREATE.FULL", {
        "name": "FULL", "description": "everything", "subjects": ["full.>", "other"], "retention": "interest",
        "max_consumers": 10, "max_msgs": 100, "max_bytes": 100000, "max_age": 3600000000000,
        "max_msgs_per_subject": 5, "max_msg_size": 1024, "discard": "new", "discard_new_per_subject": True,
        "storage": "file", "num_replicas": 1, "duplicate_window": 60000000000, "compression": "s2",
        "first_seq": 10, "subject_transform": {"src": "full.>", "dest": "full.t.>"},
        "republish": {"src": ">", "dest": "rp.>", "headers_only": True}, "allow_direct": True,
        "deny_delete": True, "allow_rollup_hdrs": True,
        "consumer_limits": {"inactive_threshold": 5000000000, "max_ack_pending": 100},
        "allow_msg_ttl": True, "subject_delete_marker_ttl": 2000000000, "allow_atomic": True,
        "allow_batched": True, "allow_msg_schedules": True, "metadata": {"a": "b"},
        "placement": {"cluster": "c1", "tags": ["t"]}})
    req("create_counter_async", S + "CREATE.CNT", {"name": "CNT", "subjects": ["cnt.>"], "allow_msg_counter": True,
                                                   "persist_mode": "async", "storage": "file"})
    req("create_memory_sealed_nodup", S + "CREATE.MEM", {"name": "MEM", "subjects": ["mem"], "storage": "memory",
                                                         "retention": "workqueue", "no_ack": True, "deny_purge": True, "max_age": 60000000000})
    req("create_sources", S + "CREATE.SRC", {"name": "SRC", "sources": [
        {"name": "ORDERS", "opt_start_seq": 2, "filter_subject": "ORDERS"},
        {"name": "FULL", "opt_start_time": "2024-01-02T03:04:05.123456789Z", "subject_transforms": [{"src": "full.>", "dest": "x.>"}]},
        {"name": "REMOTE", "external": {"api": "$JS.hub.API", "deliver": "dlv"}}]})
    req("create_mirror", S + "CREATE.MIR", {"name": "MIR", "mirror": {"name": "ORDERS"}})
    req("create_pedantic", S + "CREATE.PED", {"name": "PED", "subjects": ["ped"], "pedantic": True})
    req("create_pedantic_fail", S + "CREATE.PED2", {"name": "PED2", "subjects": ["ped2"], "max_age": 10000000000, "pedantic": True})
    req("create_max_age_dup_window", S + "CREATE.AGE", {"name": "AGE", "subjects": ["age"], "max_age": 10000000000})
    req("create_overlap", S + "CREATE.OVL", {"name": "OVL", "subjects": ["ORDERS"]})

    # --- validation errors
    bad = {
        "bad_name_dot": ("A.B", {"name": "A.B"}),
        "bad_name_star": ("A*", {"name": "A*"}),
        "bad_name_gt": ("A>", {"name": "A>"}),
        "bad_name_space": ("X", {"name": "A B"}),
        "bad_name_tab": ("X", {"name": "A\tB"}),
        "bad_name_slash": ("A/B", {"name": "A/B"}),
        "bad_name_backslash": ("A\\B", {"name": "A\\B"}),
        "bad_name_empty": ("X", {"name": ""}),
        "bad_name_long": ("N" * 256, {"name": "N" * 256}),
        "bad_name_mismatch": ("OTHER", {"name": "NAMED"}),
        "bad_description_long": ("D", {"name": "D", "description": "d" * 4097}),
        "bad_metadata_long": ("M", {"name": "M", "metadata": {"k": "v" * 128 * 1024}}),
        "bad_replicas_3": ("R", {"name": "R", "num_replicas": 3}),
        "bad_replicas_6": ("R", {"name": "R", "num_replicas": 6}),
        "bad_replicas_neg": ("R", {"name": "R", "num_replicas": -1}),
        "bad_max_age_small": ("X", {"name": "X", "max_age": 1000}),
        "bad_dup_negative": ("X", {"name": "X", "duplicate_window": -1}),
        "bad_dup_gt_age": ("X", {"name": "X", "max_age": 1000000000, "duplicate_window": 2000000000}),
        "bad_dup_small": ("X", {"name": "X", "duplicate_window": 1000}),
        "bad_rollup_deny_purge": ("X", {"name": "X", "allow_rollup_hdrs": True, "deny_purge": True}),
        "bad_discard_new_per_no_new": ("X", {"name": "X", "discard_new_per_subject": True, "max_msgs_per_subject": 1}),
        "bad_discard_new_per_no_max": ("X", {"name": "X", "discard_new_per_subject": True, "discard": "new"}),
        "bad_sdm_small": ("X", {"name": "X", "subject_delete_marker_ttl": 1000}),
        "bad_sdm_negative": ("X", {"name": "X", "subject_delete_marker_ttl": -1}),
        "sdm_autofill": ("SDM", {"name": "SDM", "subjects": ["sdm"], "subject_delete_marker_ttl": 1000000000, "deny_purge": True}),
        "bad_mirror_subjects": ("X", {"name": "X", "subjects": ["m"], "mirror": {"name": "ORDERS"}}),
        "bad_mirror_sources": ("X", {"name": "X", "mirror": {"name": "ORDERS"}, "sources": [{"name": "FULL"}]}),
        "bad_mirror_first_seq": ("X", {"name": "X", "mirror": {"name": "ORDERS"}, "first_seq": 5}),
        "bad_mirror_filter_and_transforms": ("X", {"name": "X", "mirror": {"name": "ORDERS", "filter_subject": "a", "subject_transforms": [{"src": "b", "dest": "c"}]}}),
        "bad_mirror_name": ("X", {"name": "X", "mirror": {"name": "a.b"}}),
        "bad_mirror_counter": ("X", {"name": "X", "mirror": {"name": "ORDERS"}, "allow_msg_counter": True}),
        "bad_mirror_atomic": ("X", {"name": "X", "mirror": {"name": "ORDERS"}, "allow_atomic": True}),
        "bad_mirror_sched": ("X", {"name": "X", "mirror": {"name": "ORDERS"}, "allow_msg_schedules": True}),
        "bad_mirror_batched": ("X", {"name": "X", "mirror": {"name": "ORDERS"}, "allow_batched": True}),
        "bad_mirror_sdm": ("X", {"name": "X", "mirror": {"name": "ORDERS"}, "subject_delete_marker_ttl": 1000000000}),
        "bad_mirror_start_both": ("X", {"name": "X", "mirror": {"name": "ORDERS", "opt_start_seq": 1, "opt_start_time": "2024-01-01T00:00:00Z"}}),
        "bad_source_name": ("X", {"name": "X", "sources": [{"name": "a b"}]}),
        "bad_source_dup": ("X", {"name": "X", "sources": [{"name": "ORDERS"}, {"name": "ORDERS"}]}),
        "bad_subject_invalid": ("X", {"name": "X", "subjects": ["a..b"]}),
        "bad_subject_dup": ("X", {"name": "X", "subjects": ["a", "a"]}),
        "bad_subject_all": ("X", {"name": "X", "subjects": [">"]}),
        "bad_subject_js_api": ("X", {"name": "X", "subjects": ["$JS.API.>"]}),
        "bad_subject_sys": ("X", {"name": "X", "subjects": ["$SYS.>"]}),
        "bad_subject_self_overlap": ("X", {"name": "X", "subjects": ["a.*", "a.b"]}),
        "bad_republish_cycle": ("X", {"name": "X", "subjects": ["a.>"], "republish": {"src": ">", "dest": "a.b"}}),
        "bad_placement_preferred": ("X", {"name": "X", "placement": {"preferred": "s1"}}),
        "bad_retention": ("X", {"name": "X", "retention": "bogus"}),
        "bad_storage": ("X", {"name": "X", "storage": "disk"}),
        "bad_discard": ("X", {"name": "X", "discard": "maybe"}),
        "bad_compression": ("X", {"name": "X", "compression": "zip"}),
        "bad_persist_mode": ("X", {"name": "X", "persist_mode": "later"}),
        "bad_async_memory": ("X", {"name": "X", "persist_mode": "async", "storage": "memory"}),
        "bad_async_atomic": ("X", {"name": "X", "persist_mode": "async", "allow_atomic": True}),
        "bad_counter_ttl": ("X", {"name": "X", "allow_msg_counter": True, "allow_msg_ttl": True}),
        "bad_counter_discard_new": ("X", {"name": "X", "allow_msg_counter": True, "discard": "new"}),
        "bad_counter_workqueue": ("X", {"name": "X", "allow_msg_counter": True, "retention": "workqueue"}),
        "bad_max_msgs_neg2": ("X", {"name": "X", "max_msgs": -2}),
        "bad_max_bytes_neg2": ("X", {"name": "X", "max_bytes": -2}),
        "bad_max_consumers_neg2": ("X", {"name": "X", "max_consumers": -2}),
        "bad_max_msg_size_neg2": ("X", {"name": "X", "max_msg_size": -2}),
        "bad_max_age_neg": ("X", {"name": "X", "max_age": -1}),
        "bad_transform_src": ("X", {"name": "X", "subject_transform": {"src": "a..b", "dest": "c"}}),
        "bad_transform_dest": ("X", {"name": "X", "subject_transform": {"src": "a.*", "dest": "{{wildcard(2)}}"}}),
        "bad_json": ("X", "{not json"),
        "bad_json_type": ("X", {"name": "X", "max_msgs": "many"}),
        "bad_empty_body": ("X", ""),
    }
    for i, (name, (sname, body)) in enumerate(bad.items()):
        if sname == "X":
            sname = "X%d" % i
            if isinstance(body, dict) and body.get("name") == "X":
                body["name"] = sname
        req(name, S + "CREATE." + sname, body)

    # --- publish and pub acks
    P = []
    for i in range(1, 6):
        P.append(req("pub_%d" % i if i == 1 else None, "ORDERS", b"hello %d" % i, save=(i == 1)))
    req("pub_msg_id", "ORDERS", b"dedupe", "NATS/1.0\r\nNats-Msg-Id: m1\r\n\r\n")
    req("pub_duplicate", "ORDERS", b"dedupe", "NATS/1.0\r\nNats-Msg-Id: m1\r\n\r\n")
    req("pub_wrong_stream", "ORDERS", b"x", "NATS/1.0\r\nNats-Expected-Stream: NOPE\r\n\r\n")
    req("pub_wrong_last_seq", "ORDERS", b"x", "NATS/1.0\r\nNats-Expected-Last-Sequence: 1\r\n\r\n")
    req("pub_wrong_last_msg_id", "ORDERS", b"x", "NATS/1.0\r\nNats-Expected-Last-Msg-Id: zz\r\n\r\n")
    req("pub_wrong_last_subj_seq", "ORDERS", b"x", "NATS/1.0\r\nNats-Expected-Last-Subject-Sequence: 1\r\n\r\n")
    req("pub_ttl_disabled", "ORDERS", b"x", "NATS/1.0\r\nNats-TTL: 5s\r\n\r\n")
    req("pub_too_big", "full.big", b"x" * 2000)
    req("pub_full_ok", "full.a", b"x")
    req("pub_ttl_invalid", "full.a", b"x", "NATS/1.0\r\nNats-TTL: bogus\r\n\r\n")
    req("pub_counter", "cnt.a", b"", "NATS/1.0\r\nNats-Incr: 5\r\n\r\n")
    req("pub_counter_again", "cnt.a", b"", "NATS/1.0\r\nNats-Incr: -2\r\n\r\n")
    req("pub_counter_missing", "cnt.a", b"")
    req("pub_counter_payload", "cnt.a", b"x", "NATS/1.0\r\nNats-Incr: 1\r\n\r\n")
    req("pub_counter_disabled", "ORDERS", b"", "NATS/1.0\r\nNats-Incr: 1\r\n\r\n")
    for subj in ["age", "age", "age.x" if False else "age"]:
        c.request(subj, b"a")
    # stream with many subjects for info filtering
    req("create_kv_like", S + "CREATE.KV_cfg", {"name": "KV_cfg", "subjects": ["$KV.cfg.>"], "max_msgs_per_subject": 1,
                                               "allow_rollup_hdrs": True, "deny_delete": True, "allow_direct": True, "discard": "new"})
    for k in ["a", "b", "c", "a"]:
        c.request("$KV.cfg." + k, b"v-" + k.encode())
    req("info_minimal", S + "INFO.ORDERS")
    req("info_subjects_filter", S + "INFO.KV_cfg", {"subjects_filter": ">"})
    req("info_not_found", S + "INFO.NOPE")
    req("msg_delete", S + "MSG.DELETE.ORDERS", {"seq": 2})
    req("msg_delete_no_erase", S + "MSG.DELETE.ORDERS", {"seq": 3, "no_erase": True})
    req("msg_delete_missing", S + "MSG.DELETE.ORDERS", {"seq": 3})
    req("msg_delete_deny", S + "MSG.DELETE.KV_cfg", {"seq": 1})
    req("msg_delete_bad_json", S + "MSG.DELETE.ORDERS", "nope")
    req("info_deleted_details", S + "INFO.ORDERS", {"deleted_details": True})
    req("msg_get_seq", S + "MSG.GET.ORDERS", {"seq": 1})
    req("msg_get_hdrs", S + "MSG.GET.ORDERS", {"seq": 6})
    req("msg_get_last_by_subj", S + "MSG.GET.KV_cfg", {"last_by_subj": "$KV.cfg.a"})
    req("msg_get_next_by_subj", S + "MSG.GET.KV_cfg", {"seq": 1, "next_by_subj": "$KV.cfg.c"})
    req("msg_get_missing", S + "MSG.GET.ORDERS", {"seq": 999})
    req("msg_get_deleted", S + "MSG.GET.ORDERS", {"seq": 2})
    req("msg_get_bad_both", S + "MSG.GET.ORDERS", {"seq": 1, "last_by_subj": "ORDERS"})
    req("msg_get_empty", S + "MSG.GET.ORDERS", {})
    req("msg_get_no_stream", S + "MSG.GET.NOPE", {"seq": 1})
    # direct get
    D = "$JS.API.DIRECT.GET."
    req("direct_get_seq", D + "KV_cfg", {"seq": 1})
    req("direct_get_last_by_subj", D + "KV_cfg", {"last_by_subj": "$KV.cfg.a"})
    req("direct_get_last_by_subj_token", D + "KV_cfg.$KV.cfg.a", "")
    req("direct_get_missing", D + "KV_cfg", {"seq": 999})
    req("direct_get_bad", D + "KV_cfg", "nope")
    req("direct_get_empty", D + "KV_cfg", {})
    req("direct_get_batch", D + "KV_cfg", {"seq": 1, "batch": 2})
    req("direct_get_multi_last", D + "KV_cfg", {"multi_last": ["$KV.cfg.>"]})
    # names and lists
    req("names", S + "NAMES", "")
    req("names_offset", S + "NAMES", {"offset": 2})
    req("names_subject", S + "NAMES", {"subject": "full.x"})
    req("names_bad_json", S + "NAMES", "nope")
    req("list", S + "LIST", {"subject": "$KV.cfg.a"})
    req("list_offset_past", S + "LIST", {"offset": 100})
    # purge
    req("purge_subject_keep", S + "PURGE.KV_cfg", {"filter": "$KV.cfg.a", "keep": 1})
    req("purge_seq", S + "PURGE.ORDERS", {"seq": 4})
    req("purge_all", S + "PURGE.ORDERS", "")
    req("purge_deny", S + "PURGE.MEM", "")
    req("purge_keep_and_seq", S + "PURGE.ORDERS", {"seq": 4, "keep": 1})
    req("info_after_purge", S + "INFO.ORDERS")
    # updates
    req("update_ok", S + "UPDATE.ORDERS", {"name": "ORDERS", "subjects": ["ORDERS", "orders.>"], "max_msgs": 1000})
    req("update_storage", S + "UPDATE.ORDERS", {"name": "ORDERS", "storage": "memory"})
    req("update_max_consumers", S + "UPDATE.ORDERS", {"name": "ORDERS", "max_consumers": 3})
    req("update_retention_wq", S + "UPDATE.ORDERS", {"name": "ORDERS", "retention": "workqueue"})
    req("update_retention_interest", S + "UPDATE.AGE", {"name": "AGE", "subjects": ["age"], "retention": "interest", "max_age": 10000000000})
    req("update_unseal", S + "UPDATE.MEM", {"name": "MEM", "subjects": ["mem"], "storage": "memory", "retention": "workqueue", "no_ack": True})
    req("update_deny_delete_off", S + "UPDATE.KV_cfg", {"name": "KV_cfg", "subjects": ["$KV.cfg.>"], "max_msgs_per_subject": 1, "allow_rollup_hdrs": True, "allow_direct": True, "discard": "new"})
    req("update_mirror", S + "UPDATE.MIR", {"name": "MIR", "mirror": {"name": "FULL"}})
    req("update_ttl_off", S + "UPDATE.FULL", {"name": "FULL", "subjects": ["full.>", "other"], "retention": "interest", "max_consumers": 10, "storage": "file"})
    req("update_counter_off", S + "UPDATE.CNT", {"name": "CNT", "subjects": ["cnt.>"], "persist_mode": "async"})
    req("update_persist_mode", S + "UPDATE.CNT", {"name": "CNT", "subjects": ["cnt.>"], "allow_msg_counter": True})
    req("update_name_mismatch", S + "UPDATE.ORDERS", {"name": "OTHER"})
    req("update_not_found", S + "UPDATE.NOPE", {"name": "NOPE"})
    req("update_seal", S + "UPDATE.AGE", {"name": "AGE", "subjects": ["age"], "retention": "interest", "max_age": 10000000000, "sealed": True})
    req("update_overlap", S + "UPDATE.AGE", {"name": "AGE", "subjects": ["ORDERS"]})
    req("update_replicas", S + "UPDATE.ORDERS", {"name": "ORDERS", "num_replicas": 3})
    req("update_first_seq", S + "UPDATE.ORDERS", {"name": "ORDERS", "first_seq": 50})
    req("update_compression", S + "UPDATE.ORDERS", {"name": "ORDERS", "subjects": ["ORDERS", "orders.>"], "compression": "s2"})
    req("update_max_msg_size_bad", S + "UPDATE.ORDERS", {"name": "ORDERS", "subjects": ["ORDERS", "orders.>"], "max_msg_size": -3})
    req("pub_sealed", "age", b"x")
    req("purge_sealed", S + "PURGE.AGE", "")
    req("msg_delete_sealed", S + "MSG.DELETE.AGE", {"seq": 1})
    # deletes
    req("delete_ok", S + "DELETE.SDM", "")
    req("delete_not_found", S + "DELETE.SDM", "")
    req("info_after", "$JS.API.INFO")
    req("unknown_api", "$JS.API.STREAM.BOGUS.X", "", save=True)


SEC = 1000000000


def run_consumers(c):
    """Consumer API scenarios; fixtures are named consumer_*."""
    req = requester(c)
    S, C = "$JS.API.STREAM.", "$JS.API.CONSUMER."
    # Streams the consumers live on (not saved: the stream fixtures cover them).
    req(None, S + "CREATE.ORDERS", {"name": "ORDERS", "subjects": ["orders.>"]})
    req(None, S + "CREATE.WQ", {"name": "WQ", "subjects": ["wq.>"], "retention": "workqueue"})
    req(None, S + "CREATE.INT", {"name": "INT", "subjects": ["int.>"], "retention": "interest"})
    req(None, S + "CREATE.LIM", {"name": "LIM", "subjects": ["lim.>"],
                                 "consumer_limits": {"inactive_threshold": 10 * SEC, "max_ack_pending": 50}})
    for subj in ["orders.a", "orders.b", "orders.a"]:
        c.request(subj, b"x")

    def create(name, cname, config, stream="ORDERS", extra=None, subject=None, **kw):
        body = {"stream_name": stream, "config": config}
        body.update(kw)
        if subject is None:
            subject = C + "CREATE." + stream + ("." + cname if cname else "")
        return req(name, subject, body)

    X = "consumer_"
    # --- creates and their defaults
    create(X + "create_durable_pull", "D1", {"durable_name": "D1", "ack_policy": "explicit"})
    create(X + "create_named_defaults", "P1", {"name": "P1"})
    create(X + "create_push", "PUSH1", {"name": "PUSH1", "deliver_subject": "dlv.push1", "ack_policy": "explicit"})
    create(X + "create_legacy_ephemeral", None, {"ack_policy": "explicit"})
    req(X + "create_legacy_durable", C + "DURABLE.CREATE.ORDERS.LD",
        {"stream_name": "ORDERS", "config": {"durable_name": "LD", "deliver_subject": "dlv.ld"}})
    create(X + "create_filtered_subject", "F1", {"name": "F1", "filter_subject": "orders.a"},
           subject=C + "CREATE.ORDERS.F1.orders.a")
    create(X + "create_full", "FULL", {
        "durable_name": "FULL", "name": "FULL", "description": "all the pull things",
        "deliver_policy": "by_start_sequence", "opt_start_seq": 2, "ack_policy": "explicit",
        "ack_wait": 10 * SEC, "max_deliver": 5, "backoff": [SEC, 2 * SEC],
        "filter_subjects": ["orders.x", "orders.y"], "replay_policy": "original", "sample_freq": "50%",
        "max_waiting": 10, "max_ack_pending": 20, "headers_only": True, "max_batch": 2,
        "max_expires": SEC, "max_bytes": 1024, "inactive_threshold": 60 * SEC, "num_replicas": 1,
        "mem_storage": True, "metadata": {"a": "b"}})
    create(X + "create_push_full", "PF", {
        "name": "PF", "deliver_subject": "dlv.pf", "deliver_group": "q", "idle_heartbeat": 5 * SEC,
        "flow_control": True, "rate_limit_bps": 1000000, "deliver_policy": "by_start_time",
        "opt_start_time": "2024-01-02T03:04:05.123456789Z", "ack_policy": "all", "filter_subject": "orders.b"})
    create(X + "create_pinned", "PIN", {"name": "PIN", "ack_policy": "explicit",
                                        "priority_policy": "pinned_client", "priority_groups": ["g1"]})
    create(X + "create_overflow", "OVF", {"name": "OVF", "ack_policy": "explicit",
                                          "priority_policy": "overflow", "priority_groups": ["A"]})
    create(X + "create_prioritized", "PRI", {"name": "PRI", "ack_policy": "explicit",
                                             "priority_policy": "prioritized", "priority_groups": ["A"]})
    create(X + "create_paused", "PAUSED", {"name": "PAUSED", "ack_policy": "explicit",
                                           "pause_until": "2099-01-01T00:00:00Z"})
    create(X + "create_last_per_subject", "LPS", {"name": "LPS", "deliver_policy": "last_per_subject",
                                                  "filter_subject": "orders.>"})
    create(X + "create_ack_flow_control", "AFC", {"name": "AFC", "deliver_subject": "dlv.afc",
                                                  "ack_policy": "flow_control"})
    create(X + "create_stream_limits", "L1", {"name": "L1", "ack_policy": "explicit"}, stream="LIM")
    create(X + "create_stream_limits_map", "L2", {"name": "L2", "ack_policy": "explicit", "max_ack_pending": 100}, stream="LIM")
    create(X + "create_stream_limits_inactive", "L3", {"name": "L3", "inactive_threshold": 20 * SEC}, stream="LIM")
    create(X + "create_pedantic_max_deliver", "PD", {"name": "PD", "max_deliver": -5}, pedantic=True)
    create(X + "create_pedantic_backoff", "PD", {"name": "PD", "ack_policy": "explicit", "backoff": [SEC]}, pedantic=True)
    create(X + "create_pedantic_limits", "PD", {"name": "PD", "ack_policy": "explicit"}, stream="LIM", pedantic=True)
    create(X + "create_negative_defaults", "NEG", {"name": "NEG", "max_deliver": -5, "max_waiting": -1,
                                                   "max_ack_pending": -7, "max_batch": -1, "max_expires": -1,
                                                   "max_bytes": -1, "inactive_threshold": -1})
    create(X + "create_filter_outside_stream", "OUT", {"name": "OUT", "filter_subject": "zzz"})
    create(X + "create_deliver_group_pull", "DG", {"name": "DG", "deliver_group": "q"})
    create(X + "create_wq_ok", "W1", {"name": "W1", "ack_policy": "explicit", "filter_subject": "wq.a"}, stream="WQ")
    create(X + "create_interest", "I1", {"name": "I1", "ack_policy": "explicit"}, stream="INT")
    create(X + "create_ephemeral_named_again", "P1", {"name": "P1"})
    create(X + "create_action_create_ephemeral_again", "P1", {"name": "P1"}, action="create")
    # --- create vs existing, action
    create(X + "create_again_same", "D1", {"durable_name": "D1", "ack_policy": "explicit"})
    create(X + "create_action_create_same", "D1", {"durable_name": "D1", "ack_policy": "explicit"}, action="create")
    create(X + "create_action_create_different", "D1", {"durable_name": "D1", "ack_policy": "explicit", "description": "x"}, action="create")
    create(X + "create_action_update_missing", "NEW1", {"durable_name": "NEW1"}, action="update")
    create(X + "create_action_update_ok", "D1", {"durable_name": "D1", "ack_policy": "explicit", "description": "updated", "max_ack_pending": 7}, action="update")
    # --- updates of existing consumers
    upd = {
        "update_deliver_policy": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "deliver_policy": "last"}),
        "update_ack_policy": ("D1", {"durable_name": "D1", "ack_policy": "all"}),
        "update_replay_policy": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "replay_policy": "original"}),
        "update_mem_storage": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "mem_storage": True}),
        "update_start_seq": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "deliver_policy": "all", "opt_start_seq": 3}),
        "update_pull_to_push": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "deliver_subject": "dlv.d1"}),
        "update_max_waiting": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "max_waiting": 5}),
        "update_filter": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "filter_subject": "orders.b"}),
        "update_backoff_max_deliver": ("D1", {"durable_name": "D1", "ack_policy": "explicit", "backoff": [SEC, SEC, SEC], "max_deliver": 2}),
        "update_push_to_pull": ("PUSH1", {"name": "PUSH1", "ack_policy": "explicit"}),
        "update_heartbeat": ("PUSH1", {"name": "PUSH1", "deliver_subject": "dlv.push1", "ack_policy": "explicit", "idle_heartbeat": 2 * SEC}),
        "update_flow_control": ("PF", {"name": "PF", "deliver_subject": "dlv.pf", "deliver_group": "q", "idle_heartbeat": 5 * SEC,
                                       "rate_limit_bps": 1000000, "deliver_policy": "by_start_time",
                                       "opt_start_time": "2024-01-02T03:04:05.123456789Z", "ack_policy": "all", "filter_subject": "orders.b"}),
        "update_start_time": ("PF", {"name": "PF", "deliver_subject": "dlv.pf", "deliver_group": "q", "idle_heartbeat": 5 * SEC,
                                     "flow_control": True, "rate_limit_bps": 1000000, "deliver_policy": "by_start_time",
                                     "opt_start_time": "2024-01-02T03:04:06Z", "ack_policy": "all", "filter_subject": "orders.b"}),
        "update_deliver_subject": ("PUSH1", {"name": "PUSH1", "deliver_subject": "dlv.other", "ack_policy": "explicit"}),
        "update_ok_many": ("FULL", {
            "durable_name": "FULL", "name": "FULL", "description": "changed",
            "deliver_policy": "by_start_sequence", "opt_start_seq": 2, "ack_policy": "explicit",
            "ack_wait": 20 * SEC, "max_deliver": 6, "filter_subjects": ["orders.z"], "replay_policy": "original",
            "sample_freq": "10", "max_waiting": 10, "max_ack_pending": 30, "max_batch": 3,
            "max_expires": 2 * SEC, "max_bytes": 2048, "inactive_threshold": 30 * SEC, "mem_storage": True,
            "metadata": {"c": "d"}}),
    }
    for name, (cname, cfg) in upd.items():
        create(X + name, cname, cfg)
    # --- subject / body mismatches
    create(X + "bad_stream_mismatch", "Z1", {"name": "Z1"}, stream="ORDERS",
           subject=C + "CREATE.INT.Z1")
    create(X + "bad_stream_not_found", "Z1", {"name": "Z1"}, stream="NOPE")
    create(X + "bad_name_path", "A/B", {"name": "A/B"})
    create(X + "bad_replicas_stream_not_found", "R3", {"name": "R3", "num_replicas": 3}, stream="NOPE")
    create(X + "bad_replicas_name_mismatch", "R3", {"durable_name": "R4", "num_replicas": 3})
    create(X + "bad_durable_subject_mismatch", "X1", {"durable_name": "Y1"})
    create(X + "bad_name_subject_mismatch", "X1", {"name": "Y1"})
    create(X + "bad_durable_name_mismatch", "DD", {"durable_name": "DD", "name": "NN"},
           subject=C + "DURABLE.CREATE.ORDERS.DD")
    create(X + "bad_legacy_durable_missing", "LD2", {"deliver_subject": "x"}, subject=C + "DURABLE.CREATE.ORDERS.LD2")
    create(X + "bad_legacy_durable_mismatch", "LD2", {"durable_name": "OTHER"}, subject=C + "DURABLE.CREATE.ORDERS.LD2")
    create(X + "bad_legacy_ephemeral_durable", None, {"durable_name": "E1"})
    create(X + "bad_filter_subject_mismatch", "F2", {"name": "F2", "filter_subject": "orders.c"},
           subject=C + "CREATE.ORDERS.F2.orders.b")
    create(X + "bad_filter_subject_missing", "F2", {"name": "F2"}, subject=C + "CREATE.ORDERS.F2.orders.b")
    create(X + "bad_filter_subjects_with_subject_api", "F2", {"name": "F2", "filter_subjects": ["orders.b"]},
           subject=C + "CREATE.ORDERS.F2.orders.b")
    create(X + "bad_name_dot", None, {"name": "A.B"})
    create(X + "bad_durable_dot", None, {"durable_name": "A.B"}, subject=C + "DURABLE.CREATE.ORDERS.A")
    create(X + "bad_name_long", "N" * 256, {"name": "N" * 256})
    create(X + "bad_durable_long", "N" * 256, {"durable_name": "N" * 256})
    # --- config validation
    bad = {
        "bad_filter_both": {"filter_subject": "orders.a", "filter_subjects": ["orders.b"]},
        "bad_filter_invalid": {"filter_subject": "orders..a"},
        "bad_filters_invalid": {"filter_subjects": ["orders.a", "orders..b"]},
        "bad_filters_empty": {"filter_subjects": ["orders.a", ""]},
        "bad_filters_overlap": {"filter_subjects": ["orders.*", "orders.a"]},
        "bad_filters_dup": {"filter_subjects": ["orders.a", "orders.a"]},
        "bad_push_max_waiting": {"deliver_subject": "dlv.x", "max_waiting": 5},
        "bad_push_ack_none_max_pending": {"deliver_subject": "dlv.x", "max_ack_pending": 5},
        "bad_push_wildcard": {"deliver_subject": "dlv.*"},
        "bad_push_invalid": {"deliver_subject": "dlv..x"},
        "bad_push_cycle": {"deliver_subject": "orders.x"},
        "bad_push_small_heartbeat": {"deliver_subject": "dlv.x", "idle_heartbeat": 50000000},
        "bad_push_fc_no_heartbeat": {"deliver_subject": "dlv.x", "flow_control": True},
        "bad_pull_heartbeat": {"idle_heartbeat": SEC},
        "bad_pull_flow_control": {"flow_control": True},
        "bad_pull_rate_limit": {"rate_limit_bps": 1000},
        "bad_pull_max_expires_small": {"max_expires": 1000},
        "bad_backoff_max_deliver": {"ack_policy": "explicit", "backoff": [SEC, SEC, SEC], "max_deliver": 2},
        "bad_backoff_negative": {"ack_policy": "explicit", "backoff": [-1]},
        "bad_ack_wait_negative": {"ack_policy": "explicit", "ack_wait": -1},
        "bad_replicas_3": {"num_replicas": 3},
        "bad_replicas_negative": {"num_replicas": -1},
        "bad_start_all_seq": {"opt_start_seq": 5},
        "bad_start_all_time": {"opt_start_time": "2024-01-01T00:00:00Z"},
        "bad_start_last_seq": {"deliver_policy": "last", "opt_start_seq": 5},
        "bad_start_new_time": {"deliver_policy": "new", "opt_start_time": "2024-01-01T00:00:00Z"},
        "bad_start_lps_no_filter": {"deliver_policy": "last_per_subject"},
        "bad_start_lps_seq": {"deliver_policy": "last_per_subject", "opt_start_seq": 1, "filter_subject": "orders.a"},
        "bad_start_seq_missing": {"deliver_policy": "by_start_sequence"},
        "bad_start_seq_and_time": {"deliver_policy": "by_start_sequence", "opt_start_seq": 1, "opt_start_time": "2024-01-01T00:00:00Z"},
        "bad_start_time_missing": {"deliver_policy": "by_start_time"},
        "bad_start_time_and_seq": {"deliver_policy": "by_start_time", "opt_start_seq": 1, "opt_start_time": "2024-01-01T00:00:00Z"},
        "bad_sample_freq": {"sample_freq": "abc"},
        "bad_sample_freq_negative": {"sample_freq": "-5%"},
        "bad_description_long": {"description": "d" * 4097},
        "bad_metadata_long": {"metadata": {"k": "v" * 128 * 1024}},
        "bad_priority_no_groups": {"priority_policy": "overflow"},
        "bad_priority_push": {"priority_policy": "overflow", "priority_groups": ["A"], "deliver_subject": "dlv.x"},
        "bad_priority_group_name": {"priority_policy": "overflow", "priority_groups": ["bad name"]},
        "bad_priority_group_long": {"priority_policy": "overflow", "priority_groups": ["a" * 17]},
        "bad_priority_group_empty": {"priority_policy": "overflow", "priority_groups": [""]},
        "bad_priority_groups_policy_none": {"priority_groups": ["A"]},
        "bad_priority_timeout_policy_none": {"priority_timeout": SEC},
        "bad_direct_pull": {"direct": True},
        "bad_direct_durable": {"direct": True, "deliver_subject": "dlv.x", "durable_name": "BX"},
        "bad_ack_fc_pull": {"ack_policy": "flow_control"},
        "bad_ack_fc_ack_wait": {"ack_policy": "flow_control", "deliver_subject": "dlv.x", "ack_wait": SEC},
        "bad_ack_fc_max_deliver": {"ack_policy": "flow_control", "deliver_subject": "dlv.x", "max_deliver": 3},
        "bad_deliver_policy": {"deliver_policy": "bogus"},
        "bad_ack_policy": {"ack_policy": "bogus"},
        "bad_replay_policy": {"replay_policy": "bogus"},
        "bad_priority_policy": {"priority_policy": "bogus"},
        "bad_wrong_type": {"max_deliver": "many"},
        "bad_unknown_field": {"bogus": 1},
        "bad_pause_until": {"pause_until": "tomorrow"},
    }
    for i, (name, cfg) in enumerate(bad.items()):
        cname = "B%d" % i
        cfg = dict(cfg)
        if "durable_name" not in cfg:
            cfg["name"] = cname
        else:
            cname = cfg["durable_name"]
        create(X + name, cname, cfg)
    create(X + "bad_action", "B1", {"name": "B1"}, action="bogus")
    create(X + "bad_unknown_top_field", "B1", {"name": "B1"}, bogus=1)
    req(X + "bad_json", C + "CREATE.ORDERS.B1", "{nope")
    req(X + "bad_empty_body", C + "CREATE.ORDERS.B1", "")
    req(X + "bad_no_config", C + "CREATE.ORDERS.B1", {"stream_name": "ORDERS"})
    # workqueue rules
    create(X + "wq_ack_none", "W2", {"name": "W2", "filter_subject": "wq.b"}, stream="WQ")
    create(X + "wq_ack_all", "W2", {"name": "W2", "ack_policy": "all", "filter_subject": "wq.b"}, stream="WQ")
    create(X + "wq_deliver_last", "W2", {"name": "W2", "ack_policy": "explicit", "deliver_policy": "last", "filter_subject": "wq.b"}, stream="WQ")
    create(X + "wq_unfiltered_second", "W2", {"name": "W2", "ack_policy": "explicit"}, stream="WQ")
    create(X + "wq_overlap", "W2", {"name": "W2", "ack_policy": "explicit", "filter_subject": "wq.*"}, stream="WQ")
    create(X + "wq_second_ok", "W3", {"name": "W3", "ack_policy": "explicit", "filter_subject": "wq.c"}, stream="WQ")
    create(X + "wq_update_overlap", "W3", {"name": "W3", "ack_policy": "explicit", "filter_subject": "wq.a"}, stream="WQ")
    create(X + "interest_replicas", "I2", {"name": "I2", "num_replicas": 1, "ack_policy": "explicit"}, stream="INT")
    # --- info, names, list, delete
    req(X + "info", C + "INFO.ORDERS.D1")
    req(X + "info_paused", C + "INFO.ORDERS.PAUSED")
    req(X + "info_pinned", C + "INFO.ORDERS.PIN")
    req(X + "info_push", C + "INFO.ORDERS.PUSH1")
    req(X + "info_not_found", C + "INFO.ORDERS.NOPE")
    req(X + "info_stream_not_found", C + "INFO.NOPE.D1")
    req(X + "names", C + "NAMES.ORDERS")
    req(X + "names_offset", C + "NAMES.ORDERS", {"offset": 3})
    req(X + "names_stream_not_found", C + "NAMES.NOPE")
    req(None, S + "CREATE.EMPTY", {"name": "EMPTY", "subjects": ["empty"]})
    req(X + "names_none", C + "NAMES.EMPTY")
    req(X + "list_none", C + "LIST.EMPTY")
    req(X + "list", C + "LIST.LIM")
    req(X + "list_offset", C + "LIST.LIM", {"offset": 1})
    req(X + "names_bad_json", C + "NAMES.ORDERS", "nope")
    # --- pause / unpause
    req(X + "pause", C + "PAUSE.ORDERS.D1", {"pause_until": "2099-01-01T00:00:00Z"})
    req(X + "pause_info", C + "INFO.ORDERS.D1")
    req(X + "unpause", C + "PAUSE.ORDERS.D1", {})
    req(X + "unpause_empty", C + "PAUSE.ORDERS.D1", "")
    req(X + "pause_past", C + "PAUSE.ORDERS.D1", {"pause_until": "2001-01-01T00:00:00Z"})
    req(X + "pause_not_found", C + "PAUSE.ORDERS.NOPE", {"pause_until": "2099-01-01T00:00:00Z"})
    req(X + "pause_bad_json", C + "PAUSE.ORDERS.D1", "nope")
    create(X + "create_paused_existing", "D1", {"durable_name": "D1", "ack_policy": "explicit",
                                                 "description": "updated", "max_ack_pending": 7,
                                                 "pause_until": "2099-01-01T00:00:00Z"})
    # --- unpin
    req(X + "unpin_not_pinned", C + "UNPIN.ORDERS.PIN", {"group": "g1"})
    req(X + "unpin_bad_group", C + "UNPIN.ORDERS.PIN", {"group": "zz"})
    req(X + "unpin_empty_group", C + "UNPIN.ORDERS.PIN", {})
    req(X + "unpin_no_policy", C + "UNPIN.ORDERS.D1", {"group": "g1"})
    req(X + "unpin_not_found", C + "UNPIN.ORDERS.NOPE", {"group": "g1"})
    req(X + "unpin_bad_json", C + "UNPIN.ORDERS.PIN", "nope")
    # --- pull requests (status replies)
    N = C + "MSG.NEXT.ORDERS."
    req(X + "next_batch_exceeded", N + "FULL", {"batch": 5})
    req(X + "next_expires_exceeded", N + "FULL", {"batch": 1, "expires": 3 * SEC})
    req(X + "next_max_bytes_exceeded", N + "FULL", {"batch": 1, "max_bytes": 4096})
    req(X + "next_bad_json", N + "FULL", "{nope")
    req(X + "next_bad_type", N + "FULL", {"batch": "x"})
    req(X + "next_heartbeat_too_large", N + "FULL", {"batch": 1, "expires": SEC, "idle_heartbeat": 600000000})
    req(X + "next_no_wait_empty", N + "FULL", {"batch": 1, "no_wait": True})
    req(X + "next_push", N + "LD", "")
    req(X + "next_not_overflow", N + "P1", {"batch": 1, "min_pending": 5, "no_wait": True})
    req(X + "next_not_pinned", N + "P1", {"batch": 1, "id": "abc", "no_wait": True})
    req(X + "next_bad_priority", N + "P1", {"batch": 1, "priority": 10, "no_wait": True})
    req(X + "next_group_missing", N + "PIN", {"batch": 1, "no_wait": True})
    req(X + "next_group_invalid", N + "PIN", {"batch": 1, "group": "zz", "no_wait": True})
    req(X + "next_batch_zero", N + "FULL", {"batch": 0, "no_wait": True})
    req(X + "next_expires_timeout", N + "FULL", {"batch": 1, "expires": SEC // 2})
    req(X + "next_consumer_not_found", N + "NOPE", {"batch": 1, "no_wait": True})
    # --- delete
    req(X + "delete", C + "DELETE.ORDERS.P1")
    req(X + "delete_not_found", C + "DELETE.ORDERS.P1")
    req(X + "delete_stream_not_found", C + "DELETE.NOPE.P1")


if __name__ == "__main__":
    main()

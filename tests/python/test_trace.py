"""Message tracing (ADR-41) through nats-py, side by side with nats-server.

The same messages are published with `Nats-Trace-Dest` (and sometimes
`Nats-Trace-Only`) on natrium-server and on nats-server 2.14.0 started from
one config: a delivered, a mapped, a stream-exported, a service-imported and
a stored message (and messages streams refuse or drop), across imports with and without `allow_trace`, a refused
publish and a no-echo publisher. The trace reports must be the same once
what each server picks itself (times, connection ids, inbox names, the
server block) is left out; so must what subscribers received and what the
stream stored.
"""

import asyncio
import gzip
import json

import nats
import pytest
from conftest import sync

GUARD = 5  # seconds; hang guard only

CONFIG = """
jetstream { store_dir: "STORE" }
accounts {
  A: {
    jetstream: enabled
    users: [ { user: a, password: a, permissions: { publish: { deny: ["denied.>"] } } } ]
    mappings: {
      "map.in": "map.out"
      "kept.x": [ { destination: "never", weight: 0% } ]
      "chaos.x": [ { destination: "chaos.x", weight: 0% } ]
    }
    exports: [
      { service: "svc.>", allow_trace: true }
      { service: "map.in", allow_trace: true }
      { service: "quiet.>" }
      { stream: "ticker.>" }
      { stream: "tock.>" }
    ]
  }
  B: {
    users: [ { user: b, password: b } ]
    imports: [
      { stream: { account: A, subject: "ticker.>" }, allow_trace: true }
      { stream: { account: A, subject: "tock.>" }, prefix: "pre" }
      { service: { account: A, subject: "svc.>" } }
      { service: { account: A, subject: "map.in" } }
      { service: { account: A, subject: "quiet.>" }, to: "other.>" }
    ]
  }
}
"""

TRACE_ONLY = {"Nats-Trace-Only": "true"}


async def login(server, user, **kwargs):
    async def quiet(_e):
        pass

    return await nats.connect(
        f"nats://{user}:{user}@127.0.0.1:{server.port}",
        allow_reconnect=False,
        max_reconnect_attempts=0,
        error_cb=quiet,
        **kwargs,
    )


def comparable(report):
    """The report without what each server chooses for itself."""
    header = dict(report["request"]["header"])
    assert header.pop("Nats-Trace-Dest")[0].startswith("_INBOX.")
    events = []
    for event in report["events"]:
        event = dict(event)
        assert event.pop("ts").endswith("Z")
        assert isinstance(event.pop("cid", 0), int)
        events.append(event)
    assert set(report["server"]) >= {"name", "host", "id", "ver", "seq", "time"}
    return {
        "header": header,
        "msgsize": report["request"]["msgsize"],
        "hops": report.get("hops"),
        "events": events,
    }


async def scenario(server):
    seen = {}
    pub = await login(server, "a", name="pubA")
    sub = await login(server, "a", name="subA")
    other = await login(server, "b", name="clientB")
    js = pub.jetstream()
    await js.add_stream(name="ORDERS", subjects=["orders.>"], allow_direct=True)
    await js.add_stream(name="ONE", subjects=["one.>"], max_msgs=1, discard="new")
    await js.add_stream(name="INTEREST", subjects=["int.>"], retention="interest")
    await js.add_stream(name="SMALL", subjects=["small.>"], max_msg_size=10)
    await js.publish("one.0", b"x", headers={"Nats-Msg-Id": "m1"})
    received = []

    async def record(msg):
        # Nats-Request-Info, which nats-server adds to every service-import
        # request, is the import's business, not the trace's.
        headers = {k: v for k, v in (msg.headers or {}).items() if k != "Nats-Request-Info"}
        if headers.get("Nats-Trace-Dest", "").startswith("_INBOX."):
            headers["Nats-Trace-Dest"] = "<dest>"
        received.append((msg.subject, sorted(headers.items())))
        if msg.reply:
            await msg.respond(b"ok")

    for subject in ("plain", "map.out", "svc.>", "quiet.>", "kept.x", "chaos.x"):
        await sub.subscribe(subject, cb=record)
    await sub.subscribe("plain", queue="q1", cb=record)
    for subject in ("ticker.x", "pre.tock.x"):
        await other.subscribe(subject, cb=record)
    await sync(sub)
    await sync(other)

    async def trace(nc, subject, label, extra=None, reply=""):
        dest = nc.new_inbox()
        reports = await nc.subscribe(dest)
        await sync(nc)
        received.clear()
        headers = {"Nats-Trace-Dest": dest, **(extra or {})}
        await nc.publish(subject, b"hello", reply=reply, headers=headers)
        report = await reports.next_msg(timeout=GUARD)
        await sync(nc)
        await sync(sub)
        await sync(other)
        await asyncio.sleep(0.05)  # let the callbacks record what arrived
        seen[label] = comparable(json.loads(report.data))
        seen[label + " delivered"] = sorted(received)
        await reports.unsubscribe()

    await trace(pub, "plain", "delivered")
    await trace(pub, "map.in", "mapped")
    await trace(pub, "kept.x", "mapping kept the subject")
    await trace(pub, "chaos.x", "mapping dropped the message")
    await trace(other, "map.in", "service import, then the exporter's mapping")
    await trace(pub, "ticker.x", "stream export, allow_trace")
    await trace(pub, "tock.x", "stream export")
    await trace(other, "svc.x", "service import, allow_trace", reply="r.1")
    await trace(other, "other.x", "service import", reply="r.2")
    await trace(pub, "orders.1", "stored")
    await trace(pub, "plain", "trace only", TRACE_ONLY)
    await trace(pub, "ticker.x", "trace only, stream export", TRACE_ONLY)
    await trace(pub, "tock.x", "trace only, stream export no trace", TRACE_ONLY)
    await trace(other, "svc.x", "trace only, service import", TRACE_ONLY, reply="r.3")
    await trace(pub, "orders.2", "trace only, stored", {"Nats-Trace-Only": "1"})
    await trace(pub, "plain", "names as sent", {"nats-trace-only": "on", "X-A": "1", "x-a": "2"})
    await trace(pub, "one.1", "stream full")
    await trace(pub, "one.1", "stream full, trace only", TRACE_ONLY)
    await trace(pub, "one.0", "duplicate", {"Nats-Msg-Id": "m1"})
    await trace(pub, "one.2", "wrong last sequence", {"Nats-Expected-Last-Sequence": "7"})
    await trace(pub, "one.2", "wrong last msg id", {"Nats-Expected-Last-Msg-Id": "zz"})
    await trace(pub, "int.1", "interest, no consumers")
    await trace(pub, "small.1", "too large", {"X": "0123456789"})
    await trace(pub, "$JS.API.DIRECT.GET.ORDERS", "a server service (no egress)", reply="r.4")
    await trace(pub, "$SYS.REQ.USER.INFO", "a system import", reply="r.5")
    await trace(pub, "denied.x", "refused")
    await trace(pub, "nobody", "no interest")
    quiet = await login(server, "a", no_echo=True)
    await quiet.subscribe("plain")
    await sync(quiet)
    await trace(quiet, "plain", "no echo")
    # A traced request nobody would get answers no responders, trace-only too.
    for subject, extra in (("nobody", TRACE_ONLY), ("nobody", {}), ("plain", TRACE_ONLY)):
        headers = {"Nats-Trace-Dest": pub.new_inbox(), **extra}
        try:
            await pub.request(subject, b"x", timeout=0.3, headers=headers)
            outcome = "reply"
        except Exception as err:  # noqa: BLE001 - the kind of failure is the result
            outcome = type(err).__name__
        seen[f"request {subject} {sorted(extra)}"] = outcome

    # Compressed reports: Accept-Encoding picks snappy (framed) or gzip;
    # anything else is sent as is, marked identity.
    for encoding in ("gzip", "br, gzip", "snappy", "s2", "deflate"):
        dest = pub.new_inbox()
        reports = await pub.subscribe(dest)
        await sync(pub)
        await pub.publish("plain", b"x", headers={"Nats-Trace-Dest": dest, "Accept-Encoding": encoding})
        report = await reports.next_msg(timeout=GUARD)
        content = (report.headers or {}).get("Content-Encoding")
        if content == "gzip":
            body = comparable(json.loads(gzip.decompress(report.data)))
        elif content == "snappy":
            body = report.data[:10]  # the framing's stream identifier
        else:
            body = comparable(json.loads(report.data))
        seen[f"encoding {encoding}"] = (content, body)
        await reports.unsubscribe()
    for stream in ("ORDERS", "ONE", "INTEREST", "SMALL"):
        seen[f"{stream} messages"] = (await js.stream_info(stream)).state.messages
    for nc in (pub, sub, other, quiet):
        await nc.close()
    return seen


async def test_trace_reports_match_nats_server(start_both):
    natrium, reference = start_both(CONFIG)
    expected = await scenario(reference)
    got = await scenario(natrium)
    # The reference behaves as described, so the comparison means something.
    assert [e["type"] for e in expected["mapped"]["events"]] == ["in", "sm", "eg"]
    assert [e["type"] for e in expected["stream export"]["events"]] == ["in", "se"]
    assert [e["type"] for e in expected["stored"]["events"]] == ["in", "js"]
    assert expected["trace only delivered"] == []
    assert expected["ORDERS messages"] == 1
    assert expected["request nobody ['Nats-Trace-Only']"] == "NoRespondersError"
    assert expected["stream full"]["events"][1]["error"] == "maximum messages exceeded"
    assert expected["interest, no consumers"]["events"][1]["nointerest"] is True
    for label in expected:
        assert got[label] == expected[label], label

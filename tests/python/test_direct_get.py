"""Direct Get with `multi_last` (ADR-31) at the wire level through nats-py.

One request returns the last message of every subject matching the
filters, as of a sequence, in stream order, each with `Nats-Num-Pending`
(results still to come) and `Nats-Last-Sequence` (the previous result),
and ends with `204 EOB` naming the sequence it was as of. Observed on
nats-server 2.14.0.
"""

import asyncio
import json

import nats


async def multi_last(nc, body):
    inbox = nc.new_inbox()
    replies = []
    done = asyncio.Event()

    async def collect(msg):
        replies.append(msg)
        if msg.headers and msg.headers.get("Status") in ("204", "404"):
            done.set()

    await nc.subscribe(inbox, cb=collect)
    await nc.publish("$JS.API.DIRECT.GET.S", json.dumps(body).encode(), reply=inbox)
    await asyncio.wait_for(done.wait(), 5)
    return replies


async def test_multi_last(start_server, tmp_path, connect):
    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))
    create = {"name": "S", "subjects": ["s.>"], "allow_direct": True}
    await nc.request("$JS.API.STREAM.CREATE.S", json.dumps(create).encode())
    for subject in ["s.a", "s.b", "s.a", "s.c.x", "s.b", "s.c.y"]:
        await nc.request(subject, subject.encode())

    replies = await multi_last(nc, {"multi_last": ["s.a", "s.b"]})
    assert [(r.headers["Nats-Sequence"], r.headers["Nats-Num-Pending"], r.headers["Nats-Last-Sequence"])
            for r in replies[:-1]] == [("3", "1", "0"), ("5", "0", "3")]
    eob = replies[-1].headers
    assert (eob["Status"], eob["Nats-Last-Sequence"], eob["Nats-UpTo-Sequence"]) == ("204", "5", "6")

    replies = await multi_last(nc, {"multi_last": ["s.>"], "up_to_seq": 4})
    assert [r.headers["Nats-Sequence"] for r in replies[:-1]] == ["2", "3", "4"]
    assert replies[-1].headers["Nats-UpTo-Sequence"] == "4"

    replies = await multi_last(nc, {"multi_last": ["s.c.*"], "batch": 1})
    assert [r.data for r in replies[:-1]] == [b"s.c.x"]
    assert replies[-1].headers["Nats-Num-Pending"] == "1"

    replies = await multi_last(nc, {"multi_last": ["s.none"]})
    assert replies[0].headers["Status"] == "404"


async def test_jetstream_domain_prefix(start_server, tmp_path, connect):
    """With a JetStream domain, the API also answers under `$JS.<domain>.API`
    (direct gets included), so clients that name the domain work."""
    store = tmp_path / "store"
    config = tmp_path / "domain.conf"
    config.write_text(f'jetstream {{ store_dir: "{store}", domain: hub }}\n')
    nc = await connect(start_server("-c", str(config)))
    js = nc.jetstream(domain="hub")
    info = await js.account_info()
    assert info.domain == "hub"
    kv = await js.create_key_value(bucket="settings", history=2)
    revision = await kv.put("colour", b"blue")
    entry = await kv.get("colour")
    assert (entry.value, entry.revision) == (b"blue", revision)

    created = await nc.request("$JS.hub.API.STREAM.CREATE.D", json.dumps(
        {"name": "D", "subjects": ["d.>"], "allow_direct": True}).encode())
    assert json.loads(created.data)["config"]["allow_direct"] is True
    await nc.request("d.x", b"hello")
    for prefix in ("$JS.API", "$JS.hub.API"):
        got = await nc.request(f"{prefix}.DIRECT.GET.D.d.x", b"")
        assert got.data == b"hello" and got.headers["Nats-Sequence"] == "1", prefix

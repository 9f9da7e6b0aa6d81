"""Consumers, Key-Value and Object Store through nats-py.

The same features the Rust suite checks with async-nats, from a second,
independent client: pull subscriptions with acks and redelivery, push
subscriptions, KV put/get/update/delete/history/keys/watch, and an Object
Store round trip.
"""

import asyncio

import nats.js.errors
import pytest
from nats.js.api import AckPolicy, ConsumerConfig


@pytest.fixture
def js_server(start_server, tmp_path):
    return lambda: start_server("-js", "-sd", str(tmp_path / "store"))


async def test_pull_subscription_fetch_ack_and_redelivery(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    await js.add_stream(name="JOBS", subjects=["jobs.>"])
    for i in range(5):
        await js.publish("jobs.new", f"job {i}".encode())
    sub = await js.pull_subscribe("jobs.>", durable="worker", config=ConsumerConfig(ack_wait=0.5))
    msgs = await sub.fetch(3, timeout=2)
    assert [m.data for m in msgs] == [b"job 0", b"job 1", b"job 2"]
    assert msgs[0].metadata.sequence.stream == 1
    await msgs[0].ack()
    await msgs[1].ack()
    # The third is not acknowledged: it comes back after ack_wait.
    redelivered = None
    while redelivered is None:
        for m in await sub.fetch(1, timeout=3):
            if m.metadata.sequence.stream == 3:
                redelivered = m
            else:
                await m.ack()
    assert redelivered.metadata.num_delivered == 2
    info = await js.consumer_info("JOBS", "worker")
    assert info.num_redelivered >= 1


async def test_push_subscription(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    await js.add_stream(name="FEED", subjects=["feed.*"])
    sub = await js.subscribe("feed.*", durable="reader", config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
    for i in range(3):
        await js.publish(f"feed.{i}", b"x")
    subjects = []
    for _ in range(3):
        msg = await sub.next_msg(timeout=2)
        subjects.append(msg.subject)
        await msg.ack()
    assert subjects == ["feed.0", "feed.1", "feed.2"]


async def test_key_value(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    kv = await js.create_key_value(bucket="settings", history=3)
    rev = await kv.put("color", b"red")
    await kv.put("color", b"blue")
    assert (await kv.get("color")).value == b"blue"
    with pytest.raises(nats.js.errors.KeyWrongLastSequenceError):
        await kv.update("color", b"green", last=rev)
    await kv.create("size", b"L")
    with pytest.raises(nats.js.errors.KeyWrongLastSequenceError):
        await kv.create("size", b"M")
    history = await kv.history("color")
    assert [e.value for e in history] == [b"red", b"blue"]
    assert sorted(await kv.keys()) == ["color", "size"]

    watcher = await kv.watch("color")
    first = await watcher.updates(timeout=2)
    assert first.value == b"blue"
    await watcher.updates(timeout=2)  # end of initial values (None marker)
    await kv.put("color", b"black")
    update = await watcher.updates(timeout=2)
    assert update.value == b"black"
    await kv.delete("color")
    with pytest.raises(nats.js.errors.KeyNotFoundError):
        await kv.get("color")
    await watcher.stop()


async def test_object_store(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    store = await js.create_object_store("files")
    data = bytes(i % 251 for i in range(1_500_000))
    info = await store.put("data.bin", data)
    assert info.size == len(data)
    back = await store.get("data.bin")
    assert back.data == data
    listed = await store.list()
    assert [o.name for o in listed] == ["data.bin"]
    await store.delete("data.bin")
    with pytest.raises(nats.js.errors.ObjectNotFoundError):
        await store.get("data.bin")
    await asyncio.sleep(0)


async def test_interest_retention(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    await js.add_stream(name="EVENTS", subjects=["ev.>"], retention="interest")
    await js.publish("ev.early", b"nobody listens")
    assert (await js.stream_info("EVENTS")).state.messages == 0
    first = await js.pull_subscribe("ev.>", durable="first")
    second = await js.pull_subscribe("ev.>", durable="second")
    for i in range(2):
        await js.publish("ev.x", f"{i}".encode())
    for msg in await first.fetch(2, timeout=2):
        await msg.ack_sync()
    assert (await js.stream_info("EVENTS")).state.messages == 2, "second still needs them"
    for msg in await second.fetch(2, timeout=2):
        await msg.ack_sync()
    assert (await js.stream_info("EVENTS")).state.messages == 0


async def test_sampled_acks_publish_metrics(js_server, connect):
    import json

    nc = await connect(js_server())
    js = nc.jetstream()
    await js.add_stream(name="SAMPLED", subjects=["sampled.>"])
    await js.publish("sampled.x", b"1")
    metrics = await nc.subscribe("$JS.EVENT.METRIC.CONSUMER.ACK.SAMPLED.watched")
    sub = await js.pull_subscribe("sampled.>", durable="watched", config=ConsumerConfig(sample_freq="100%"))
    (msg,) = await sub.fetch(1, timeout=2)
    await msg.ack()
    metric = json.loads((await metrics.next_msg(timeout=2)).data)
    assert metric["type"] == "io.nats.jetstream.metric.v1.consumer_ack"
    assert (metric["stream_seq"], metric["consumer_seq"], metric["deliveries"]) == (1, 1, 1)


async def test_nak_and_pause_advisories(js_server, connect):
    import json
    from datetime import datetime, timedelta, timezone

    nc = await connect(js_server())
    js = nc.jetstream()
    await js.add_stream(name="ADV", subjects=["adv.>"])
    await js.publish("adv.x", b"1")
    naks = await nc.subscribe("$JS.EVENT.ADVISORY.CONSUMER.MSG_NAKED.ADV.c")
    pauses = await nc.subscribe("$JS.EVENT.ADVISORY.CONSUMER.PAUSE.ADV.c")
    sub = await js.pull_subscribe("adv.>", durable="c")
    (msg,) = await sub.fetch(1, timeout=2)
    await msg.nak()
    nak = json.loads((await naks.next_msg(timeout=2)).data)
    assert nak["type"] == "io.nats.jetstream.advisory.v1.nak"
    assert (nak["stream_seq"], nak["deliveries"]) == (1, 1)
    until = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    reply = json.loads((await nc.request("$JS.API.CONSUMER.PAUSE.ADV.c", json.dumps({"pause_until": until}).encode())).data)
    assert reply["paused"] is True
    pause = json.loads((await pauses.next_msg(timeout=2)).data)
    assert pause["type"] == "io.nats.jetstream.advisory.v1.consumer_pause"
    assert pause["paused"] is True

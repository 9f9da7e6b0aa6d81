"""Behaviours where natrium must match nats-server 2.14 exactly (issue 11).

Each test speaks the raw `$JS.API` JSON (as the CLIs and other clients do)
and runs unchanged against the reference binary (NATRIUM_SERVER_BIN), so
the expectations here are nats-server's own answers.
"""

import asyncio
import json

import nats.errors
import pytest

from conftest import sync


@pytest.fixture
def js_server(start_server, tmp_path):
    store = tmp_path / "store"
    return lambda *args: start_server("-js", "-sd", str(store), *args)


async def api(nc, subject: str, body=None) -> dict:
    data = b"" if body is None else json.dumps(body).encode()
    msg = await nc.request(subject, data, timeout=10)
    return json.loads(msg.data)


async def wait_messages(nc, stream: str, count: int) -> dict:
    for _ in range(400):  # hang guard only
        info = await api(nc, f"$JS.API.STREAM.INFO.{stream}")
        if info["state"]["messages"] >= count:
            return info
        await asyncio.sleep(0.05)
    raise AssertionError(f"{stream} never reached {count} messages: {info['state']}")


async def test_stream_info_subject_pages_are_disjoint_and_complete(js_server, connect):
    nc = await connect(js_server())
    await api(nc, "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"], "storage": "memory"})
    count = 100_050  # more than one page of 100,000
    for i in range(count):
        await nc.publish(f"s.{i:06d}", b"x")
    await sync(nc)
    await wait_messages(nc, "S", count)

    seen: list[str] = []
    pages = []
    while len(seen) < count:
        reply = await api(nc, "$JS.API.STREAM.INFO.S", {"subjects_filter": ">", "offset": len(seen)})
        pages.append((reply["total"], reply["offset"], reply["limit"]))
        page = list(reply["state"]["subjects"])
        assert page, f"empty page at offset {len(seen)}"
        seen.extend(page)
    assert pages == [(count, 0, 100_000), (count, 100_000, 100_000)]
    assert seen == [f"s.{i:06d}" for i in range(count)]

    past = await api(nc, "$JS.API.STREAM.INFO.S", {"subjects_filter": ">", "offset": count + 5})
    assert (past["total"], past["offset"], past["limit"]) == (count, count + 5, 100_000)
    assert "subjects" not in past["state"]
    none = await api(nc, "$JS.API.STREAM.INFO.S", {"subjects_filter": "t.>"})
    assert (none["total"], none["offset"], none["limit"]) == (0, 0, 0)


async def test_consumer_reset_to_ack_floor_and_to_a_sequence(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    await api(nc, "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"], "storage": "memory"})
    for i in range(10):
        await js.publish(f"s.{i % 3}", b"x")
    config = {"durable_name": "C", "ack_policy": "explicit"}
    await api(nc, "$JS.API.CONSUMER.CREATE.S.C", {"stream_name": "S", "config": config})
    sub = await js.pull_subscribe_bind("C", "S")
    msgs = await sub.fetch(4)
    for m in msgs[:3]:
        await m.ack_sync()

    def progress(reply):
        keys = ("delivered", "ack_floor", "num_ack_pending", "num_redelivered", "num_pending")
        return {k: reply[k] for k in keys}

    # An empty request reports (and resets to) just past the ack floor; the
    # unacknowledged 4th message is no longer pending.
    reply = await api(nc, "$JS.API.CONSUMER.RESET.S.C")
    assert reply["type"] == "io.nats.jetstream.api.v1.consumer_reset_response"
    assert (reply["stream_name"], reply["name"], reply["reset_seq"]) == ("S", "C", 4)
    assert reply["config"]["durable_name"] == "C"
    assert progress(reply) == {
        "delivered": {"consumer_seq": 0, "stream_seq": 3},
        "ack_floor": {"consumer_seq": 0, "stream_seq": 3},
        "num_ack_pending": 0,
        "num_redelivered": 0,
        "num_pending": 7,
    }
    info = await api(nc, "$JS.API.CONSUMER.INFO.S.C")
    assert progress(info) == progress(reply)

    # Backwards to a sequence, and past the end of the stream.
    reply = await api(nc, "$JS.API.CONSUMER.RESET.S.C", {"seq": 100})
    assert reply["reset_seq"] == 100 and reply["num_pending"] == 0
    reply = await api(nc, "$JS.API.CONSUMER.RESET.S.C", {"seq": 2})
    assert reply["reset_seq"] == 2
    assert reply["delivered"] == {"consumer_seq": 0, "stream_seq": 1}
    assert reply["num_pending"] == 9
    # Delivery starts over there, consumer sequences from 1, first delivery.
    [msg] = await sub.fetch(1)
    assert (msg.metadata.sequence.stream, msg.metadata.sequence.consumer) == (2, 1)
    assert msg.metadata.num_delivered == 1

    bad = await api(nc, "$JS.API.CONSUMER.RESET.S.C", {"seq": -1})
    assert bad["error"]["err_code"] == 10025 and bad["reset_seq"] == 0
    assert "delivered" not in bad

    # Only deliver policies that start at a sequence take one, not below it.
    for name, policy in [
        ("NEW", {"deliver_policy": "new"}),
        ("FROM5", {"deliver_policy": "by_start_sequence", "opt_start_seq": 5}),
    ]:
        body = {"stream_name": "S", "config": {"durable_name": name, "ack_policy": "explicit", **policy}}
        await api(nc, f"$JS.API.CONSUMER.CREATE.S.{name}", body)
    refused = [("NEW", 7, "invalid reset: not allowed"), ("FROM5", 3, "invalid reset: below start seq")]
    for name, seq, description in refused:
        reply = await api(nc, f"$JS.API.CONSUMER.RESET.S.{name}", {"seq": seq})
        assert reply["error"] == {"code": 400, "err_code": 10204, "description": description}
    assert (await api(nc, "$JS.API.CONSUMER.RESET.S.NEW"))["reset_seq"] == 11
    assert (await api(nc, "$JS.API.CONSUMER.RESET.S.FROM5", {"seq": 7}))["reset_seq"] == 7

    # nats-server leaves a reset of an unknown consumer unanswered.
    with pytest.raises(nats.errors.TimeoutError):
        await nc.request("$JS.API.CONSUMER.RESET.S.NOPE", b"", timeout=0.5)


async def test_stream_update_refuses_consumer_limits_stricter_than_a_consumer(js_server, connect):
    nc = await connect(js_server())
    base = {"name": "S", "subjects": ["s.>"], "storage": "memory"}
    await api(nc, "$JS.API.STREAM.CREATE.S", base)
    consumers = {
        "C": {"ack_policy": "explicit", "max_ack_pending": 500},
        "D": {"ack_policy": "explicit", "inactive_threshold": 60_000_000_000},
        "E": {"ack_policy": "none"},
    }
    for name, config in consumers.items():
        body = {"stream_name": "S", "config": {"durable_name": name, **config}}
        assert "error" not in await api(nc, f"$JS.API.CONSUMER.CREATE.S.{name}", body)

    def violators(reply) -> set[str]:
        error = reply["error"]
        assert (error["code"], error["err_code"]) == (500, 10069)
        prefix = "change to limits violates consumers: "
        assert error["description"].startswith(prefix)
        return set(error["description"][len(prefix) :].split(", "))

    refused = [
        ({"max_ack_pending": 100}, {"C", "D"}),
        ({"max_ack_pending": 500}, {"D"}),
        # A limit left at 0 beside a changed one counts as 0 (nats-server).
        ({"max_ack_pending": 1000}, {"D"}),
        ({"inactive_threshold": 120_000_000_000}, {"C", "D"}),
    ]
    for limits, expected in refused:
        reply = await api(nc, "$JS.API.STREAM.UPDATE.S", {**base, "consumer_limits": limits})
        assert violators(reply) == expected, limits
    info = await api(nc, "$JS.API.STREAM.INFO.S")
    assert info["config"]["consumer_limits"] == {}

    limits = {"inactive_threshold": 120_000_000_000, "max_ack_pending": 2000}
    reply = await api(nc, "$JS.API.STREAM.UPDATE.S", {**base, "consumer_limits": limits})
    assert "error" not in reply and reply["config"]["consumer_limits"] == limits


@pytest.mark.parametrize("storage", ["memory", "file"])
async def test_stream_update_keeps_the_messages(js_server, connect, storage):
    nc = await connect(js_server())
    js = nc.jetstream()
    config = {"name": "S", "subjects": ["s.>"], "storage": storage}
    await api(nc, "$JS.API.STREAM.CREATE.S", config)
    for i in range(5):
        await js.publish(f"s.{i}", b"x")
    reply = await api(nc, "$JS.API.STREAM.UPDATE.S", {**config, "description": "changed"})
    assert reply["state"]["messages"] == 5
    ack = await js.publish("s.9", b"y")
    assert ack.seq == 6
    assert (await api(nc, "$JS.API.STREAM.INFO.S"))["state"]["messages"] == 6


@pytest.mark.parametrize("storage", ["memory", "file"])
async def test_mirror_promoted_to_a_normal_stream(js_server, connect, storage):
    nc = await connect(js_server())
    js = nc.jetstream()
    await api(nc, "$JS.API.STREAM.CREATE.O", {"name": "O", "subjects": ["o.>"], "storage": storage})
    for i in range(5):
        await js.publish(f"o.{i}", b"x")
    mirror = {"name": "M", "storage": storage, "mirror": {"name": "O"}}
    assert "error" not in await api(nc, "$JS.API.STREAM.CREATE.M", mirror)
    await wait_messages(nc, "M", 5)

    plain = {"name": "M", "storage": storage}
    # Still refused: a mirror with subjects, another origin, subjects of another stream.
    reply = await api(nc, "$JS.API.STREAM.UPDATE.M", {**mirror, "subjects": ["m.>"]})
    assert reply["error"]["err_code"] == 10034
    reply = await api(nc, "$JS.API.STREAM.UPDATE.M", {**plain, "mirror": {"name": "OTHER"}})
    assert reply["error"]["err_code"] == 10055
    reply = await api(nc, "$JS.API.STREAM.UPDATE.M", {**plain, "subjects": ["o.>"]})
    assert reply["error"]["err_code"] == 10065

    reply = await api(nc, "$JS.API.STREAM.UPDATE.M", {**plain, "subjects": ["m.>"]})
    assert "error" not in reply, reply
    assert "mirror" not in reply["config"] and reply["config"]["subjects"] == ["m.>"]
    assert reply["state"]["messages"] == 5
    # A normal stream now: it takes its own subjects and copies no more.
    await js.publish("o.9", b"not copied")
    ack = await js.publish("m.1", b"own")
    assert (ack.stream, ack.seq) == ("M", 6)
    await asyncio.sleep(0.3)  # a mirror would have copied o.9 by now
    info = await api(nc, "$JS.API.STREAM.INFO.M")
    assert "mirror" not in info and info["state"]["messages"] == 6
    # And it can't become a mirror again.
    reply = await api(nc, "$JS.API.STREAM.UPDATE.M", {**plain, "mirror": {"name": "O"}})
    assert reply["error"]["err_code"] == 10055


async def test_republish_into_a_kv_bucket(js_server, connect):
    """The "KV mirror via republish" pattern: `A.>` republished to `$KV.B.>`."""
    nc = await connect(js_server())
    js = nc.jetstream()
    kv = await js.create_key_value(bucket="B")
    config = {
        "name": "A",
        "subjects": ["A.>"],
        "storage": "memory",
        "republish": {"src": "A.>", "dest": "$KV.B.>"},
    }
    reply = await api(nc, "$JS.API.STREAM.CREATE.A", config)
    assert "error" not in reply, reply
    assert reply["config"]["republish"] == {"src": "A.>", "dest": "$KV.B.>"}
    await js.publish("A.k1", b"v1")
    await wait_messages(nc, "KV_B", 1)
    assert (await kv.get("k1")).value == b"v1"


async def test_kv_keys_with_unusual_tokens(js_server, connect):
    """Keys nats-server stores and serves: wildcard characters as literal
    tokens, punctuation, non-ASCII; direct get and MSG.GET find them."""
    nc = await connect(js_server())
    js = nc.jetstream()
    await js.create_key_value(bucket="B", direct=True)
    keys = ["$x", "a$b", "#", "%", "key=val", "-_/\\", "ü", "日本", "a:b", "{x}", "*", ">", "a.*", "a.>", ">.a", "*x"]
    for seq, key in enumerate(keys, start=1):
        subject = f"$KV.B.{key}"
        ack = json.loads((await nc.request(subject, key.encode(), timeout=5)).data)
        assert ack == {"stream": "KV_B", "seq": seq}, (key, ack)
        direct = await nc.request(f"$JS.API.DIRECT.GET.KV_B.{subject}", b"", timeout=5)
        assert direct.headers["Nats-Sequence"] == str(seq) and direct.data == key.encode(), key
        got = await api(nc, "$JS.API.STREAM.MSG.GET.KV_B", {"seq": seq})
        assert got["message"]["subject"] == subject
    info = await api(nc, "$JS.API.STREAM.INFO.KV_B", {"subjects_filter": ">"})
    assert sorted(info["state"]["subjects"]) == sorted(f"$KV.B.{k}" for k in keys)


async def test_pull_request_of_an_unsubscribed_inbox_stops_waiting(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    await api(nc, "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"], "storage": "memory"})
    config = {"durable_name": "C", "ack_policy": "explicit"}
    await api(nc, "$JS.API.CONSUMER.CREATE.S.C", {"stream_name": "S", "config": config})
    next_subject = "$JS.API.CONSUMER.MSG.NEXT.S.C"

    gone = await nc.subscribe("inbox.gone")
    await nc.publish(next_subject, json.dumps({"batch": 1, "expires": 60_000_000_000}).encode(), reply="inbox.gone")
    await sync(nc)
    assert (await api(nc, "$JS.API.CONSUMER.INFO.S.C"))["num_waiting"] == 1
    await gone.unsubscribe()
    await sync(nc)
    assert (await api(nc, "$JS.API.CONSUMER.INFO.S.C"))["num_waiting"] == 0

    live = await nc.subscribe("inbox.live")
    await nc.publish(next_subject, json.dumps({"batch": 1, "expires": 10_000_000_000}).encode(), reply="inbox.live")
    await sync(nc)
    await js.publish("s.1", b"hello")
    msg = await live.next_msg(timeout=10)
    assert msg.data == b"hello"


async def test_max_age_also_ends_messages_with_a_longer_ttl(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    config = {
        "name": "S", "subjects": ["s.>"], "storage": "file", "allow_direct": True,
        "allow_msg_ttl": True, "subject_delete_marker_ttl": 60_000_000_000, "max_age": 1_000_000_000,
    }
    assert "error" not in await api(nc, "$JS.API.STREAM.CREATE.S", config)
    await js.publish("s.long", b"L", headers={"Nats-TTL": "90s"})
    await js.publish("s.never", b"N", headers={"Nats-TTL": "never"})

    async def direct(subject):
        return await nc.request(f"$JS.API.DIRECT.GET.S.{subject}", b"", timeout=5)

    first = await direct("s.long")
    # Longer than the marker TTL: kept as given (a shorter one would be raised).
    assert (first.headers["Nats-TTL"], first.headers["Nats-Sequence"], first.data) == ("90s", "1", b"L")
    for _ in range(100):  # hang guard: max_age (1 s) passes, the marker takes its place
        marker = await direct("s.long")
        if marker.headers.get("Nats-Sequence") != "1":
            break
        await asyncio.sleep(0.1)
    assert marker.headers["Nats-Marker-Reason"] == "MaxAge"
    assert marker.headers["Nats-TTL"] == "1m0s" and marker.data == b""
    kept = await direct("s.never")
    assert (kept.headers["Nats-TTL"], kept.data) == ("never", b"N")
    info = await api(nc, "$JS.API.STREAM.INFO.S", {"subjects_filter": ">"})
    assert info["state"]["subjects"] == {"s.long": 1, "s.never": 1}


async def test_stream_info_is_stable_from_create_to_info_and_across_a_restart(js_server, connect):
    config = {"name": "S", "subjects": ["s.>"], "storage": "file", "compression": "s2", "max_msgs": 100}
    server = js_server("-n", "N1")
    nc = await connect(server)
    created = await api(nc, "$JS.API.STREAM.CREATE.S", config)
    info = await api(nc, "$JS.API.STREAM.INFO.S")
    again = await api(nc, "$JS.API.STREAM.CREATE.S", config)
    updated = await api(nc, "$JS.API.STREAM.UPDATE.S", config)
    listed = (await api(nc, "$JS.API.STREAM.LIST"))["streams"][0]
    assert created["did_create"] and again["did_create"]
    for reply in (created, again, updated, listed):
        assert reply["created"] == info["created"]
        assert reply["state"] == info["state"]
        assert "cluster" not in reply, "only STREAM.INFO names the leader"
    assert info["cluster"] == {"leader": "N1"}
    for reply in (created, again, updated):
        assert reply["config"] == info["config"]
    assert info["config"]["compression"] == "s2"
    # The list shows the stored config: only the required API level.
    assert listed["config"]["metadata"] == {"_nats.req.level": "0"}
    assert {**listed["config"], "metadata": info["config"]["metadata"]} == info["config"]

    consumer = {"stream_name": "S", "config": {"durable_name": "C"}}
    c_created = await api(nc, "$JS.API.CONSUMER.CREATE.S.C", consumer)
    c_info = await api(nc, "$JS.API.CONSUMER.INFO.S.C")
    assert c_created["config"] == c_info["config"] and c_created["created"] == c_info["created"]
    assert "cluster" not in c_created and "cluster" not in c_info
    info = await api(nc, "$JS.API.STREAM.INFO.S")
    await nc.close()

    server.stop()
    nc = await connect(js_server("-n", "N1"))
    after = await api(nc, "$JS.API.STREAM.INFO.S")
    for key in ("config", "created", "state", "cluster"):
        assert after[key] == info[key], key
    c_after = await api(nc, "$JS.API.CONSUMER.INFO.S.C")
    assert (c_after["config"], c_after["created"]) == (c_info["config"], c_info["created"])


async def test_source_fed_by_a_durable_consumer_of_the_origin(js_server, connect):
    """ADR-58 (2.14): `sources[].consumer` names a durable consumer the
    origin's owner created; it is stored and reported, and it is what feeds
    the source (a work-queue origin is emptied as its messages are copied)."""
    nc = await connect(js_server())
    js = nc.jetstream()
    origin = {"name": "O", "subjects": ["o.>"], "storage": "memory", "retention": "workqueue"}
    assert "error" not in await api(nc, "$JS.API.STREAM.CREATE.O", origin)
    for i in range(3):
        await js.publish(f"o.{i}", b"x")
    feeder = {
        "durable_name": "X", "deliver_subject": "ds.x", "ack_policy": "flow_control",
        "flow_control": True, "idle_heartbeat": 1_000_000_000, "filter_subject": "o.>",
    }
    reply = await api(nc, "$JS.API.CONSUMER.CREATE.O.X", {"stream_name": "O", "config": feeder})
    assert "error" not in reply, reply

    # Invalid consumer settings are refused (10215 for sources, 10213 for mirrors).
    good = {"name": "X", "deliver_subject": "ds.x"}
    for bad in [
        {"name": "O", "consumer": {"name": "X"}},
        {"name": "O", "consumer": {"name": "a.b", "deliver_subject": "ds.x"}},
        {"name": "O", "consumer": {"name": "X", "deliver_subject": "ds.*"}},
        {"name": "O", "consumer": good, "filter_subject": "o.1"},
        {"name": "O", "consumer": good, "opt_start_seq": 2},
    ]:
        reply = await api(nc, "$JS.API.STREAM.CREATE.BAD", {"name": "BAD", "storage": "memory", "sources": [bad]})
        assert reply["error"]["err_code"] == 10215, bad
    reply = await api(nc, "$JS.API.STREAM.CREATE.BAD", {"name": "BAD", "storage": "memory", "mirror": {"name": "O", "consumer": {"name": "X"}}})
    assert reply["error"]["err_code"] == 10213

    sources = [{"name": "O", "consumer": good}]
    reply = await api(nc, "$JS.API.STREAM.CREATE.S", {"name": "S", "storage": "memory", "sources": sources})
    assert "error" not in reply, reply
    assert reply["config"]["sources"] == sources
    await wait_messages(nc, "S", 3)
    for i in range(3, 5):
        await js.publish(f"o.{i}", b"y")
    info = await wait_messages(nc, "S", 5)
    assert info["config"]["sources"] == sources
    first = await api(nc, "$JS.API.STREAM.MSG.GET.S", {"seq": 1})
    assert first["message"]["subject"] == "o.0"
    for _ in range(100):  # hang guard: the copied messages leave the work queue
        if (await api(nc, "$JS.API.STREAM.INFO.O"))["state"]["messages"] == 0:
            break
        await asyncio.sleep(0.05)
    assert (await api(nc, "$JS.API.STREAM.INFO.O"))["state"]["messages"] == 0
    consumer = await api(nc, "$JS.API.CONSUMER.INFO.O.X")
    assert consumer["delivered"]["stream_seq"] == 5 and consumer["ack_floor"]["stream_seq"] == 5
    assert consumer["num_pending"] == 0 and consumer["num_ack_pending"] == 0

    # A source whose consumer does not exist (yet) copies nothing.
    await js.publish("o.9", b"z")
    missing = [{"name": "O", "consumer": {"name": "NOPE", "deliver_subject": "ds.nope"}}]
    assert "error" not in await api(nc, "$JS.API.STREAM.CREATE.S2", {"name": "S2", "storage": "memory", "sources": missing})
    await wait_messages(nc, "S", 6)  # the live source goes on meanwhile
    await asyncio.sleep(0.3)
    assert (await api(nc, "$JS.API.STREAM.INFO.S2"))["state"]["messages"] == 0

    # Only a flow-control consumer feeds a source; another says why in the source info.
    await api(nc, "$JS.API.STREAM.CREATE.L", {"name": "L", "subjects": ["l.>"], "storage": "memory"})
    await js.publish("l.1", b"w")
    explicit = {"durable_name": "E", "deliver_subject": "ds.e", "ack_policy": "explicit"}
    assert "error" not in await api(nc, "$JS.API.CONSUMER.CREATE.L.E", {"stream_name": "L", "config": explicit})
    wrong = [{"name": "L", "consumer": {"name": "E", "deliver_subject": "ds.e"}}]
    assert "error" not in await api(nc, "$JS.API.STREAM.CREATE.S3", {"name": "S3", "storage": "memory", "sources": wrong})
    for _ in range(100):  # hang guard: the error shows once the source was looked at
        info = await api(nc, "$JS.API.STREAM.INFO.S3")
        if info["sources"][0].get("error"):
            break
        await asyncio.sleep(0.05)
    assert info["state"]["messages"] == 0
    assert info["sources"][0]["error"]["err_code"] == 10217
    assert info["sources"][0]["active"] == -1


async def test_mirror_fed_by_a_durable_consumer_of_an_interest_origin(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    await api(nc, "$JS.API.STREAM.CREATE.O", {"name": "O", "subjects": ["o.>"], "storage": "memory", "retention": "interest"})
    feeder = {"durable_name": "MX", "deliver_subject": "ds.m", "ack_policy": "flow_control",
              "flow_control": True, "idle_heartbeat": 1_000_000_000}
    assert "error" not in await api(nc, "$JS.API.CONSUMER.CREATE.O.MX", {"stream_name": "O", "config": feeder})
    # Another consumer keeps o.1 in the interest stream.
    other = {"durable_name": "EX", "deliver_subject": "ds.e", "ack_policy": "explicit", "filter_subject": "o.1"}
    assert "error" not in await api(nc, "$JS.API.CONSUMER.CREATE.O.EX", {"stream_name": "O", "config": other})
    for i in range(4):
        await js.publish(f"o.{i}", b"x")
    mirror = {"name": "O", "consumer": {"name": "MX", "deliver_subject": "ds.m"}}
    reply = await api(nc, "$JS.API.STREAM.CREATE.M", {"name": "M", "storage": "memory", "mirror": mirror})
    assert "error" not in reply and reply["config"]["mirror"] == mirror
    info = await wait_messages(nc, "M", 4)
    assert (info["state"]["first_seq"], info["state"]["last_seq"]) == (1, 4)
    assert "error" not in info["mirror"]
    for _ in range(100):  # hang guard: what only the feeder needed leaves the origin
        origin = await api(nc, "$JS.API.STREAM.INFO.O")
        if origin["state"]["messages"] == 1:
            break
        await asyncio.sleep(0.05)
    assert (origin["state"]["messages"], origin["state"]["first_seq"]) == (1, 2)
    consumer = await api(nc, "$JS.API.CONSUMER.INFO.O.MX")
    assert consumer["ack_floor"]["stream_seq"] == 4 and consumer["num_pending"] == 0

    # A mirror fed by a consumer that is not a flow-control one: nothing, and 10214.
    wrong = {"name": "O", "consumer": {"name": "EX", "deliver_subject": "ds.e"}}
    assert "error" not in await api(nc, "$JS.API.STREAM.CREATE.M2", {"name": "M2", "storage": "memory", "mirror": wrong})
    for _ in range(100):  # hang guard
        info = await api(nc, "$JS.API.STREAM.INFO.M2")
        if info["mirror"].get("error"):
            break
        await asyncio.sleep(0.05)
    assert info["mirror"]["error"]["err_code"] == 10214 and info["state"]["messages"] == 0

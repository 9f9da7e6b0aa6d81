"""Atomic batch publishing (ADR-50) through nats-py, at the wire level.

nats-py has no batch helper, so the tests send the `Nats-Batch-*` headers
themselves, as any client library does: messages are staged (empty
replies) until the commit, then stored all together or not at all.
Every expectation here was observed on nats-server 2.14.0.
"""

import base64
import json

import pytest


@pytest.fixture
async def js(start_server, tmp_path, connect):
    server = start_server("-js", "-sd", str(tmp_path / "store"))
    nc = await connect(server)
    for name, extra in (("B", {}), ("C", {"allow_msg_counter": True}), ("OFF", None)):
        config = {"name": name, "subjects": [f"{name.lower()}.>"]}
        if extra is not None:
            config.update(allow_atomic=True, **extra)
        reply = await nc.request(f"$JS.API.STREAM.CREATE.{name}", json.dumps(config).encode())
        assert "error" not in json.loads(reply.data)
    return nc


def batch(batch_id, seq, commit=None, **extra):
    headers = {"Nats-Batch-Id": batch_id, "Nats-Batch-Sequence": str(seq), **extra}
    if commit is not None:
        headers["Nats-Batch-Commit"] = commit
    return headers


async def publish(nc, subject, data=b"", headers=None):
    """The raw reply: b'' for a staged message, else a PubAck or error."""
    reply = await nc.request(subject, data, headers=headers, timeout=5)
    return json.loads(reply.data) if reply.data else None


async def state(nc, stream):
    reply = await nc.request(f"$JS.API.STREAM.INFO.{stream}", b"")
    return json.loads(reply.data)["state"]


async def stored(nc, stream, seq):
    reply = await nc.request(f"$JS.API.STREAM.MSG.GET.{stream}", json.dumps({"seq": seq}).encode())
    return json.loads(reply.data)["message"]


def error_code(reply):
    return reply["error"]["err_code"]


async def test_batch_is_stored_whole_on_commit(js):
    assert await publish(js, "b.1", b"one", batch("x", 1)) is None
    assert await publish(js, "b.2", b"two", batch("x", 2)) is None
    assert (await state(js, "B"))["messages"] == 0  # staged, not stored
    ack = await publish(js, "b.3", b"three", batch("x", 3, "1"))
    assert ack == {"stream": "B", "seq": 3, "batch": "x", "count": 3}
    assert (await stored(js, "B", 2))["subject"] == "b.2"


async def test_end_of_batch_commit_stores_only_the_staged_messages(js):
    await publish(js, "b.1", b"one", batch("e", 1))
    ack = await publish(js, "b.2", b"marker", batch("e", 2, "eob"))
    assert ack == {"stream": "B", "seq": 1, "batch": "e", "count": 1}
    s = await state(js, "B")
    assert (s["messages"], s["last_seq"]) == (1, 1)


async def test_a_gap_drops_the_whole_batch(js):
    await publish(js, "b.1", b"one", batch("g", 1))
    assert error_code(await publish(js, "b.3", b"three", batch("g", 3))) == 10176
    assert error_code(await publish(js, "b.4", b"four", batch("g", 4, "1"))) == 10176
    assert (await state(js, "B"))["messages"] == 0


async def test_a_failed_check_stores_nothing(js):
    await publish(js, "b.a", b"before")
    # Each message sees the batch messages before it: the second expects 1
    # but its predecessor in the batch would be sequence 2.
    assert await publish(js, "b.a", b"1", batch("f", 1, **{"Nats-Expected-Last-Sequence": "1"})) is None
    reply = await publish(js, "b.a", b"2", batch("f", 2, "1", **{"Nats-Expected-Last-Sequence": "1"}))
    assert error_code(reply) == 10071
    assert reply["error"]["description"] == "wrong last sequence: 2"
    assert (await state(js, "B"))["messages"] == 1


async def test_duplicate_message_ids_refuse_the_batch(js):
    await publish(js, "b.a", b"1", batch("d", 1, **{"Nats-Msg-Id": "m"}))
    assert error_code(await publish(js, "b.a", b"2", batch("d", 2, "1", **{"Nats-Msg-Id": "m"}))) == 10201
    await publish(js, "b.a", b"plain", {"Nats-Msg-Id": "stored"})
    assert error_code(await publish(js, "b.a", b"3", batch("d2", 1, "1", **{"Nats-Msg-Id": "stored"}))) == 10201
    assert (await state(js, "B"))["messages"] == 1


async def test_counters_add_up_within_a_batch(js):
    # A deliberate difference: nats-server 2.14.0 acknowledges this batch
    # but stores the counter messages with empty bodies, which breaks the
    # counter ("message counter is broken" on the next increment).
    await publish(js, "c.hits", b"", batch("c", 1, **{"Nats-Incr": "1"}))
    ack = await publish(js, "c.hits", b"", batch("c", 2, "1", **{"Nats-Incr": "2"}))
    assert (ack["seq"], ack["count"]) == (2, 2)
    assert json.loads(base64.b64decode((await stored(js, "C", 2))["data"])) == {"val": "3"}
    ack = await publish(js, "c.hits", b"", {"Nats-Incr": "5"})
    assert ack["val"] == "8"


async def test_batch_errors(js):
    assert error_code(await publish(js, "off.a", b"", batch("o", 1, "1"))) == 10174
    assert error_code(await publish(js, "b.a", b"", {"Nats-Batch-Id": "n"})) == 10175
    assert error_code(await publish(js, "b.a", b"", batch("u", 2, "1"))) == 10176
    assert error_code(await publish(js, "b.a", b"", batch("v", 1, "yes"))) == 10200
    assert error_code(await publish(js, "b.a", b"", batch("w", 1001))) == 10199
    assert error_code(await publish(js, "b.a", b"", batch("i" * 65, 1))) == 10179
    assert await publish(js, "b.a", b"", batch("h", 1, **{"Nats-Expected-Last-Msg-Id": "x"})) is None
    reply = await publish(js, "b.a", b"", batch("h", 2, "1"))
    assert error_code(reply) == 10177
    assert reply["error"]["description"] == "atomic publish unsupported header used: Nats-Expected-Last-Msg-Id"
    assert (await state(js, "B"))["messages"] == 0


async def test_too_many_batches_in_flight(js):
    for n in range(50):
        assert await publish(js, "b.a", b"", batch(f"open{n}", 1)) is None
    assert error_code(await publish(js, "b.a", b"", batch("one-too-many", 1))) == 10210

"""JetStream streams through nats-py's JetStream API (`nc.jetstream()`, `js.add_stream`, ...).

The second, independent client for what the Rust tests check with async-nats:
stream management, publish acknowledgements, de-duplication, message get and
delete, purge, and persistence across a restart of the server binary.
"""

import nats.js.errors
import pytest
from nats.js.api import StorageType, StreamConfig


@pytest.fixture
def js_server(start_server, tmp_path):
    store = tmp_path / "store"
    return lambda: start_server("-js", "-sd", str(store))


async def test_stream_management_and_publish_acks(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    info = await js.add_stream(name="ORDERS", subjects=["orders.>"], storage=StorageType.FILE)
    assert info.config.name == "ORDERS"
    assert info.config.max_msgs == -1
    for i in range(1, 11):
        ack = await js.publish(f"orders.{i % 3}", f"order {i}".encode())
        assert (ack.stream, ack.seq) == ("ORDERS", i)
    dup = await js.publish("orders.1", b"again", headers={"Nats-Msg-Id": "m1"})
    again = await js.publish("orders.1", b"again", headers={"Nats-Msg-Id": "m1"})
    assert again.seq == dup.seq and again.duplicate

    msg = await js.get_msg("ORDERS", 4)
    assert (msg.subject, msg.data) == ("orders.1", b"order 4")
    last = await js.get_last_msg("ORDERS", "orders.2")
    assert last.seq == 8

    jsm = nc.jsm()
    assert await jsm.delete_msg("ORDERS", 4)
    with pytest.raises(nats.js.errors.NotFoundError):
        await js.get_msg("ORDERS", 4)
    assert await jsm.purge_stream("ORDERS", subject="orders.0")
    info = await jsm.stream_info("ORDERS")
    assert info.state.messages == 7
    names = await jsm.streams_info()
    assert [s.config.name for s in names] == ["ORDERS"]
    assert await jsm.delete_stream("ORDERS")
    with pytest.raises(nats.js.errors.NotFoundError):
        await jsm.stream_info("ORDERS")


async def test_memory_stream_and_expected_last_sequence(js_server, connect):
    nc = await connect(js_server())
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="EVENTS", subjects=["events.*"], storage=StorageType.MEMORY))
    await js.publish("events.a", b"1")
    ok = await js.publish("events.a", b"2", headers={"Nats-Expected-Last-Sequence": "1"})
    assert ok.seq == 2
    with pytest.raises(nats.js.errors.APIError) as err:
        await js.publish("events.a", b"3", headers={"Nats-Expected-Last-Sequence": "1"})
    assert err.value.err_code == 10071


async def test_streams_survive_a_server_restart(start_server, tmp_path, connect):
    store = tmp_path / "persist"
    server = start_server("-js", "-sd", str(store))
    nc = await connect(server)
    js = nc.jetstream()
    await js.add_stream(name="KEEP", subjects=["keep.>"])
    for i in range(20):
        await js.publish("keep.it", str(i).encode())
    await nc.close()
    server.stop()

    server = start_server("-js", "-sd", str(store))
    nc = await connect(server)
    js = nc.jetstream()
    info = await js.stream_info("KEEP")
    assert info.state.messages == 20
    assert (await js.get_msg("KEEP", 20)).data == b"19"


async def test_subject_delete_marker_after_max_age(start_server, tmp_path, connect):
    """ADR-43: when max_age removes a subject's last message, a delete
    marker takes its place (and itself expires after the marker TTL)."""
    import asyncio
    import json

    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))
    config = {
        "name": "AGED", "subjects": ["aged.>"], "max_age": 1_000_000_000,
        "allow_msg_ttl": True, "allow_rollup_hdrs": True,
        "subject_delete_marker_ttl": 60_000_000_000,
    }
    reply = json.loads((await nc.request("$JS.API.STREAM.CREATE.AGED", json.dumps(config).encode())).data)
    assert "error" not in reply, reply
    js = nc.jetstream()
    await js.publish("aged.a", b"short lived")
    await js.publish("aged.b", b"1")
    await js.publish("aged.b", b"2")
    marker = None
    for _ in range(100):  # hang guard: the marker appears once max_age passed
        last = await js.get_last_msg("AGED", "aged.a")
        if last.seq != 1:
            marker = last
            break
        await asyncio.sleep(0.1)
    assert marker is not None
    assert marker.data in (b"", None)
    assert marker.headers["Nats-Marker-Reason"] == "MaxAge"
    assert marker.headers["Nats-TTL"] == "1m0s"
    assert marker.headers["Nats-Rollup"] == "sub"
    last_b = await js.get_last_msg("AGED", "aged.b")
    assert last_b.headers["Nats-Marker-Reason"] == "MaxAge", "one marker per emptied subject"
    info = await js.stream_info("AGED")
    assert info.state.messages == 2


async def test_message_ttl_with_delete_markers(start_server, tmp_path, connect):
    """With subject_delete_marker_ttl, a shorter Nats-TTL is raised to it
    (the header rewritten in whole seconds); a message going by its TTL
    leaves a marker only when it was its subject's last, and a marker going
    leaves none. Observed on nats-server 2.14.0."""
    import asyncio
    import json

    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))
    config = {"name": "TTL", "subjects": ["ttl.>"], "allow_msg_ttl": True,
              "subject_delete_marker_ttl": 2_000_000_000}
    reply = json.loads((await nc.request("$JS.API.STREAM.CREATE.TTL", json.dumps(config).encode())).data)
    assert "error" not in reply, reply
    js = nc.jetstream()
    await js.publish("ttl.a", b"a1", headers={"Nats-TTL": "1s"})
    await js.publish("ttl.b", b"b1")
    await js.publish("ttl.b", b"b2", headers={"Nats-TTL": "1"})
    await js.publish("ttl.c", b"c1", headers={"Nats-TTL": "5s"})
    assert (await js.get_msg("TTL", 1)).headers["Nats-TTL"] == "2"
    assert (await js.get_msg("TTL", 3)).headers["Nats-TTL"] == "2"
    assert (await js.get_msg("TTL", 4)).headers["Nats-TTL"] == "5s", "longer TTLs stay"

    marker = None
    for _ in range(100):  # hang guard: ttl.a's message goes after 2 s
        last = await js.get_last_msg("TTL", "ttl.a")
        if last.seq != 1:
            marker = last
            break
        await asyncio.sleep(0.1)
    assert marker is not None and marker.seq == 5
    assert marker.headers["Nats-Marker-Reason"] == "MaxAge"
    assert marker.headers["Nats-TTL"] == "2s"

    for _ in range(100):  # hang guard: b2 goes too, the marker 2 s later
        info = await js.stream_info("TTL")
        if info.state.messages == 2:
            break
        await asyncio.sleep(0.1)
    assert (await js.get_last_msg("TTL", "ttl.b")).data == b"b1"
    info = await js.stream_info("TTL")
    # b1 and c1 left; no marker for ttl.b (it kept b1), none for the marker.
    assert info.state.messages == 2 and info.state.last_seq == 5, info.state


async def test_mirror_copies_its_origin(start_server, tmp_path, connect):
    """A mirror holds its origin's messages under the same sequences, with
    the same timestamps and headers, gaps included, and keeps following."""
    import asyncio
    import json

    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))
    js = nc.jetstream()
    await js.add_stream(name="SRC", subjects=["src.>"])
    for subject in ["src.a", "src.b", "src.a"]:
        await js.publish(subject, subject.encode(), headers={"X": "1"})
    await js.delete_msg("SRC", 2)
    config = {"name": "MIR", "mirror": {"name": "SRC"}}
    reply = json.loads((await nc.request("$JS.API.STREAM.CREATE.MIR", json.dumps(config).encode())).data)
    assert reply["mirror"]["name"] == "SRC"
    bad = {"name": "BAD", "subjects": ["x"], "mirror": {"name": "SRC"}}
    reply = json.loads((await nc.request("$JS.API.STREAM.CREATE.BAD", json.dumps(bad).encode())).data)
    assert reply["error"]["err_code"] == 10034

    await js.publish("src.c", b"later")
    for _ in range(100):  # hang guard: wait until the mirror caught up
        info = await js.stream_info("MIR")
        if info.state.last_seq == 4:
            break
        await asyncio.sleep(0.1)
    assert (info.state.messages, info.state.first_seq, info.state.last_seq) == (3, 1, 4)
    assert info.mirror.name == "SRC" and info.mirror.lag == 0
    original = await js.get_msg("SRC", 3)
    copy = await js.get_msg("MIR", 3)
    assert (copy.subject, copy.data, copy.headers, copy.time) == (
        original.subject, original.data, original.headers, original.time)
    import nats.js.errors
    try:
        await js.get_msg("MIR", 2)
        raise AssertionError("the gap is kept")
    except nats.js.errors.NotFoundError:
        pass

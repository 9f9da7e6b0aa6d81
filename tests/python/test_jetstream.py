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


async def test_sources_gather_other_streams(start_server, tmp_path, connect):
    """ADR-59 sources: a stream gathers messages of other streams under its
    own sequences, filtered and renamed per source, each copy marked with
    `Nats-Stream-Source`, and keeps following. Observed on nats-server 2.14.0."""
    import asyncio
    import json

    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))

    async def api(subject, body=None):
        data = json.dumps(body).encode() if body is not None else b""
        return json.loads((await nc.request(subject, data)).data)

    await api("$JS.API.STREAM.CREATE.A", {"name": "A", "subjects": ["a.>"]})
    await api("$JS.API.STREAM.CREATE.B", {"name": "B", "subjects": ["b.>"]})
    await nc.request("a.1", b"x1", headers={"X": "y"})
    await nc.request("a.2", b"x2")
    await nc.request("b.1", b"y1")
    sources = [
        {"name": "A", "filter_subject": "a.1"},
        {"name": "B", "subject_transforms": [{"src": "b.>", "dest": "bb.>"}]},
        {"name": "A", "opt_start_seq": 2},
    ]
    created = await api("$JS.API.STREAM.CREATE.AGG", {"name": "AGG", "subjects": ["agg.x"], "sources": sources})
    assert "error" not in created, created

    async def wait_for(count):
        for _ in range(100):  # hang guard: sources copy in the background
            info = await api("$JS.API.STREAM.INFO.AGG")
            if info["state"]["messages"] >= count:
                return info
            await asyncio.sleep(0.05)
        raise AssertionError(f"AGG never reached {count} messages: {info['state']}")

    info = await wait_for(3)
    # nats-server lists sources in no fixed order.
    assert sorted(s["name"] for s in info["sources"]) == ["A", "A", "B"]
    assert all(s["lag"] == 0 for s in info["sources"])
    js = nc.jetstream()
    # The order across sources is not fixed (nats-server runs one internal
    # consumer per source); each copy says where it came from.
    copies = {m.subject: m for m in [await js.get_msg("AGG", seq) for seq in (1, 2, 3)]}
    assert sorted(copies) == ["a.1", "a.2", "bb.1"]
    assert (copies["a.1"].data, copies["a.1"].headers["X"]) == (b"x1", "y")
    assert copies["a.1"].headers["Nats-Stream-Source"] == "A 1 a.1 > a.1"
    assert copies["bb.1"].headers["Nats-Stream-Source"] == "B 1 b.> bb.> b.1"
    assert copies["a.2"].headers["Nats-Stream-Source"] == "A 2 > > a.2"

    # New messages follow; a.1 matches two of the sources.
    await nc.request("a.1", b"x3")
    info = await wait_for(5)
    assert info["state"]["messages"] == 5


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

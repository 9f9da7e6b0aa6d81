"""Core publish/subscribe behaviour seen through nats-py.

Covers plain round trips, the `*` and `>` wildcards, queue-group load
distribution, no_echo, auto-unsubscribe (UNSUB with max) and many distinct
subscriptions.  These are the guarantees applications build on: correct
subject matching, exactly-once delivery within a queue group, and ordered
delivery from one publisher to one subscriber connection (used here as a
sentinel so absence can be asserted without sleeping).
"""

import asyncio

import pytest
from conftest import sync

GUARD = 10  # seconds; hang guard only, never a timing assertion


async def drain_until(sub, last_subject):
    """Collect messages from `sub` up to and including `last_subject`."""
    got = []
    while True:
        msg = await sub.next_msg(timeout=GUARD)
        got.append(msg)
        if msg.subject == last_subject:
            return got


async def test_publish_subscribe_round_trip(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("greet.joe")
    await nc.publish("greet.joe", b"hello")
    msg = await sub.next_msg(timeout=GUARD)
    assert msg.subject == "greet.joe"
    assert msg.data == b"hello"
    assert msg.reply == ""
    assert not msg.headers


async def test_round_trip_between_connections(server, connect):
    sub_nc = await connect(server)
    pub_nc = await connect(server)
    sub = await sub_nc.subscribe("updates")
    await sync(sub_nc)
    for i in range(10):
        await pub_nc.publish("updates", str(i).encode(), reply="my.reply")
    await sync(pub_nc)
    got = [await sub.next_msg(timeout=GUARD) for _ in range(10)]
    # Messages from one publisher reach one subscriber in order.
    assert [m.data for m in got] == [str(i).encode() for i in range(10)]
    assert all(m.reply == "my.reply" for m in got)


async def test_empty_payload(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("empty")
    await nc.publish("empty", b"")
    msg = await sub.next_msg(timeout=GUARD)
    assert msg.data == b""


async def test_wildcards(server, connect):
    nc = await connect(server)
    star = await nc.subscribe("foo.*")
    full = await nc.subscribe("foo.>")
    mid = await nc.subscribe("*.bar.*")
    for subj in ["foo", "foo.bar", "foo.bar.baz", "foo.x.y.z", "other.bar.q", "foo.end"]:
        await nc.publish(subj, subj.encode())
    # "foo.end" is last; per-connection ordering means nothing else follows.
    await nc.publish("zzz.bar.end", b"")

    assert [m.subject for m in await drain_until(star, "foo.end")] == [
        "foo.bar",
        "foo.end",
    ]
    assert [m.subject for m in await drain_until(full, "foo.end")] == [
        "foo.bar",
        "foo.bar.baz",
        "foo.x.y.z",
        "foo.end",
    ]
    got = await drain_until(mid, "zzz.bar.end")
    assert [m.subject for m in got] == ["foo.bar.baz", "other.bar.q", "zzz.bar.end"]
    assert all(m.data == m.subject.encode() for m in got[:-1])


async def test_queue_group_exactly_once(server, connect):
    members = 4
    total = 400
    conns = [await connect(server) for _ in range(members)]
    received = [[] for _ in range(members)]
    done = [asyncio.Event() for _ in range(members)]

    for i, nc in enumerate(conns):

        async def on_work(msg, i=i):
            received[i].append(msg.data)

        async def on_done(_msg, i=i):
            done[i].set()

        await nc.subscribe("work", queue="workers", cb=on_work)
        # Plain (non-queue) subscription: every member sees the end marker,
        # and it arrives after all work sent before it by the same publisher.
        await nc.subscribe("work.done", cb=on_done)
        await sync(nc)

    pub = await connect(server)
    for n in range(total):
        await pub.publish("work", str(n).encode())
    await pub.publish("work.done", b"")
    await sync(pub)

    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in done)), GUARD)
    everything = [d for r in received for d in r]
    assert len(everything) == total, "each message delivered exactly once"
    assert sorted(everything, key=int) == [str(n).encode() for n in range(total)]
    assert all(len(r) > 0 for r in received), [len(r) for r in received]


async def test_queue_and_plain_subscribers_both_receive(server, connect):
    nc = await connect(server)
    q1 = await nc.subscribe("jobs", queue="q")
    q2 = await nc.subscribe("jobs", queue="q")
    plain = await nc.subscribe("jobs")
    for n in range(20):
        await nc.publish("jobs", str(n).encode())
    await sync(nc)
    plain_got = [await plain.next_msg(timeout=GUARD) for _ in range(20)]
    assert [m.data for m in plain_got] == [str(n).encode() for n in range(20)]
    # The queue group as a whole got each message once.
    await sync(nc)
    assert q1.pending_msgs + q2.pending_msgs == 20


async def test_no_echo(server, connect):
    quiet = await connect(server, no_echo=True)
    other = await connect(server)
    sub = await quiet.subscribe("chat")
    await sync(quiet)

    await quiet.publish("chat", b"own")
    await sync(quiet)  # the server has processed "own" before this returns
    await other.publish("chat", b"other")
    await sync(other)

    msg = await sub.next_msg(timeout=GUARD)
    assert msg.data == b"other", "own message must not be echoed back"
    await sync(quiet)
    assert sub.pending_msgs == 0


async def test_echo_is_default(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("chat")
    await nc.publish("chat", b"own")
    msg = await sub.next_msg(timeout=GUARD)
    assert msg.data == b"own"


@pytest.mark.parametrize("how", ["unsubscribe_limit", "max_msgs"])
async def test_auto_unsubscribe(server, connect, how):
    nc = await connect(server)
    if how == "max_msgs":
        sub = await nc.subscribe("ticks", max_msgs=3)
    else:
        sub = await nc.subscribe("ticks")
        await sub.unsubscribe(limit=3)
    sentinel = await nc.subscribe("ticks.end")
    await sync(nc)

    pub = await connect(server)
    for n in range(10):
        await pub.publish("ticks", str(n).encode())
    await pub.publish("ticks.end", b"")
    await sync(pub)

    await sentinel.next_msg(timeout=GUARD)
    got = [await sub.next_msg(timeout=GUARD) for _ in range(3)]
    assert [m.data for m in got] == [b"0", b"1", b"2"]
    if how == "unsubscribe_limit":
        # UNSUB <sid> 3 was sent: in_msgs counts every MSG off the wire, so
        # this checks the server enforced the limit (nats-py would silently
        # drop extras).  subscribe(max_msgs=) is client-side only in nats-py.
        assert nc.stats["in_msgs"] == 3 + 1


async def test_unsubscribe_stops_delivery(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("topic")
    sentinel = await nc.subscribe("topic.end")
    await sub.unsubscribe()
    await nc.publish("topic", b"x")
    await nc.publish("topic.end", b"")
    await sentinel.next_msg(timeout=GUARD)
    assert nc.stats["in_msgs"] == 1


async def test_many_subscriptions(server, connect):
    count = 1000
    sub_nc = await connect(server)
    seen = {}
    all_in = asyncio.Event()

    async def on_msg(msg):
        seen[msg.subject] = msg.data
        if len(seen) == count:
            all_in.set()

    for n in range(count):
        await sub_nc.subscribe(f"many.{n}", cb=on_msg)
    await sync(sub_nc)

    pub = await connect(server)
    for n in range(count):
        await pub.publish(f"many.{n}", str(n).encode())
    await sync(pub)

    await asyncio.wait_for(all_in.wait(), GUARD)
    assert seen == {f"many.{n}": str(n).encode() for n in range(count)}
    assert sub_nc.stats["in_msgs"] == count


async def test_every_subscription_gets_a_copy(server, connect):
    nc = await connect(server)
    subs = [await nc.subscribe("fan") for _ in range(3)]
    wild = await nc.subscribe("fan.>")  # must not match "fan" itself
    await nc.publish("fan", b"x")
    await nc.publish("fan.end", b"")
    for sub in subs:
        assert (await sub.next_msg(timeout=GUARD)).data == b"x"
    assert (await wild.next_msg(timeout=GUARD)).subject == "fan.end"


async def test_fan_out_preserves_order(server, connect):
    count = 2000
    pub = await connect(server)
    subscribers = [await connect(server) for _ in range(3)]
    subs = []
    for nc in subscribers:
        subs.append(await nc.subscribe("stream"))
        await sync(nc)
    for n in range(count):
        await pub.publish("stream", n.to_bytes(4, "big"))
    for sub in subs:
        got = [await sub.next_msg(timeout=GUARD) for _ in range(count)]
        assert [int.from_bytes(m.data, "big") for m in got] == list(range(count))


async def test_async_iterator(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("iter.*")
    for n in range(5):
        await nc.publish(f"iter.{n}", b"")
    seen = []

    async def consume():
        async for msg in sub.messages:
            seen.append(msg.subject)
            if len(seen) == 5:
                return

    await asyncio.wait_for(consume(), GUARD)
    assert seen == [f"iter.{n}" for n in range(5)]


async def test_verbose_and_pedantic_connection(server, connect):
    # verbose makes the server +OK every command; the client must cope.
    nc = await connect(server, verbose=True, pedantic=True)
    sub = await nc.subscribe("verbose")
    await nc.publish("verbose", b"v", headers={"H": "1"})
    msg = await sub.next_msg(timeout=GUARD)
    assert msg.data == b"v"
    assert msg.headers == {"H": "1"}
    assert nc.is_connected


async def test_server_info(server, connect):
    nc = await connect(server)
    info = nc._server_info  # the INFO the server sent
    assert info["server_id"]
    assert info["proto"] >= 1
    assert info["headers"] is True
    assert info["max_payload"] == 1024 * 1024
    assert info["port"] == server.port
    assert isinstance(info["client_id"], int)
    version = nc.connected_server_version
    assert (version.major, version.minor) >= (2, 2)

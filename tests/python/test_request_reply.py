"""Request/reply and headers through nats-py.

Covers nc.request with a responder (new-style muxed inbox and old-style
per-request inbox), many concurrent requests, the "no responders" status
(an HMSG with status 503, which nats-py turns into NoRespondersError once it
negotiated headers + no_responders in CONNECT), and header round trips,
including header-only messages and headers on replies.
"""

import asyncio

import pytest
from conftest import sync
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError

GUARD = 10  # seconds; hang guard only


async def test_request_reply(server, connect):
    responder = await connect(server)
    requester = await connect(server)

    async def echo(msg):
        await msg.respond(b"re:" + msg.data)

    await responder.subscribe("svc.echo", cb=echo)
    await sync(responder)

    for n in range(5):
        resp = await requester.request("svc.echo", f"q{n}".encode(), timeout=GUARD)
        assert resp.data == f"re:q{n}".encode()


async def test_request_old_style(server, connect):
    nc = await connect(server)

    async def echo(msg):
        await msg.respond(msg.data[::-1])

    await nc.subscribe("svc.rev", cb=echo)
    resp = await nc.request("svc.rev", b"abc", timeout=GUARD, old_style=True)
    assert resp.data == b"cba"


async def test_request_to_queue_group_gets_one_reply(server, connect):
    nc = await connect(server)
    for name in (b"a", b"b", b"c"):

        async def handler(msg, name=name):
            await msg.respond(name)

        await nc.subscribe("svc.q", queue="grp", cb=handler)
    resp = await nc.request("svc.q", b"", timeout=GUARD)
    assert resp.data in (b"a", b"b", b"c")


async def test_no_responders(server, connect):
    nc = await connect(server)
    with pytest.raises(NoRespondersError):
        await nc.request("nobody.home", b"hi", timeout=GUARD)
    # The connection stays usable afterwards.
    sub = await nc.subscribe("still.ok")
    await nc.publish("still.ok", b"1")
    assert (await sub.next_msg(timeout=GUARD)).data == b"1"


async def test_no_responders_after_responder_leaves(server, connect):
    nc = await connect(server)

    async def ok(msg):
        await msg.respond(b"ok")

    sub = await nc.subscribe("svc.temp", cb=ok)
    assert (await nc.request("svc.temp", timeout=GUARD)).data == b"ok"
    await sub.unsubscribe()
    with pytest.raises(NoRespondersError):
        await nc.request("svc.temp", timeout=GUARD)


async def test_request_timeout_when_responder_silent(server, connect):
    nc = await connect(server)
    await nc.subscribe("svc.silent")  # interest, but never replies
    with pytest.raises(NatsTimeoutError):
        await nc.request("svc.silent", b"", timeout=0.5)


async def test_headers_round_trip(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("hdrs")
    headers = {"Foo": "bar", "X-Trace-Id": "abc-123", "Content-Type": "text/plain"}
    await nc.publish("hdrs", b"payload", headers=headers)
    msg = await sub.next_msg(timeout=GUARD)
    assert msg.data == b"payload"
    assert msg.headers == headers


async def test_headers_without_payload(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("hdrs.only")
    await nc.publish("hdrs.only", b"", headers={"K": "v"})
    msg = await sub.next_msg(timeout=GUARD)
    assert msg.data == b""
    assert msg.headers == {"K": "v"}


async def test_headers_between_connections(server, connect):
    sub_nc = await connect(server)
    pub_nc = await connect(server)
    sub = await sub_nc.subscribe("hdrs.x")
    await sync(sub_nc)
    await pub_nc.publish("hdrs.x", b"data", headers={"A": "1", "B": "two words"})
    await sync(pub_nc)
    msg = await sub.next_msg(timeout=GUARD)
    assert msg.headers == {"A": "1", "B": "two words"}
    assert msg.data == b"data"


async def test_request_reply_with_headers(server, connect):
    nc = await connect(server)

    async def handler(msg):
        await nc.publish(msg.reply, b"ok", headers={"Echo": msg.headers["Ask"]})

    await nc.subscribe("svc.h", cb=handler)
    resp = await nc.request("svc.h", b"", timeout=GUARD, headers={"Ask": "42"})
    assert resp.data == b"ok"
    assert resp.headers == {"Echo": "42"}


async def test_many_concurrent_requests(server, connect):
    responder = await connect(server)
    requester = await connect(server)

    async def double(msg):
        await msg.respond(str(int(msg.data) * 2).encode())

    await responder.subscribe("svc.double", queue="workers", cb=double)
    await sync(responder)
    replies = await asyncio.gather(
        *(requester.request("svc.double", str(n).encode(), timeout=GUARD) for n in range(200))
    )
    assert [int(r.data) for r in replies] == [2 * n for n in range(200)]

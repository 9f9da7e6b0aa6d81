"""Payload sizes, max_payload and drain through nats-py.

Covers large messages arriving byte for byte (the server must not split,
truncate or re-encode payloads), the max_payload limit from a config file
as advertised in INFO (nats-py enforces it client-side with
MaxPayloadError, so the advertised value is what users depend on), and
nc.drain() delivering every message already in flight before closing.
"""

import asyncio
import os

import pytest
from conftest import sync
from nats.errors import MaxPayloadError

GUARD = 20  # seconds; hang guard only


@pytest.mark.parametrize("size", [512 * 1024, 1024 * 1024 - 1])
async def test_large_message_round_trip(server, connect, size):
    sub_nc = await connect(server)
    pub_nc = await connect(server)
    sub = await sub_nc.subscribe("big")
    await sync(sub_nc)
    payload = os.urandom(size)
    await pub_nc.publish("big", payload)
    await sync(pub_nc)
    msg = await sub.next_msg(timeout=GUARD)
    assert len(msg.data) == size
    assert msg.data == payload


async def test_default_max_payload_is_1mb(server, connect):
    nc = await connect(server)
    assert nc.max_payload == 1024 * 1024
    sub = await nc.subscribe("max")
    payload = os.urandom(nc.max_payload)
    await nc.publish("max", payload)
    assert (await sub.next_msg(timeout=GUARD)).data == payload


async def test_many_large_messages_in_order(server, connect):
    nc = await connect(server)
    sub = await nc.subscribe("bulk")
    payloads = [bytes([n]) * (200 * 1024) for n in range(10)]
    for p in payloads:
        await nc.publish("bulk", p)
    got = [(await sub.next_msg(timeout=GUARD)).data for _ in payloads]
    assert got == payloads


async def test_max_payload_from_config(start_server, connect):
    server = start_server(config="max_payload: 1KB\n")
    nc = await connect(server)
    assert nc.max_payload == 1024

    sub = await nc.subscribe("limit")
    at_limit = b"x" * 1024
    await nc.publish("limit", at_limit)
    assert (await sub.next_msg(timeout=GUARD)).data == at_limit

    with pytest.raises(MaxPayloadError):
        await nc.publish("limit", b"x" * 1025)
    assert nc.is_connected


async def test_server_enforces_max_payload_including_headers(start_server, connect):
    # nats-py only checks len(payload), so payload + headers can exceed the
    # limit on the wire: the server must reject that (-ERR and disconnect).
    server = start_server(config="max_payload: 1KB\n")
    closed = asyncio.Event()

    async def on_closed():
        closed.set()

    nc = await connect(server, closed_cb=on_closed)
    await nc.publish("limit", b"x" * 1020, headers={"Some-Header": "value"})
    await asyncio.wait_for(closed.wait(), GUARD)
    # nats-py records the server's -ERR text as last_error.
    assert "maximum payload" in str(nc.last_error).lower(), repr(nc.last_error)


async def test_drain_delivers_pending(server, connect):
    total = 500
    sub_nc = await connect(server)
    pub_nc = await connect(server)
    handled = []

    async def slow(msg):
        await asyncio.sleep(0)  # yield so a backlog builds up
        handled.append(msg.data)

    await sub_nc.subscribe("drain.me", cb=slow)
    await sync(sub_nc)
    for n in range(total):
        await pub_nc.publish("drain.me", str(n).encode())
    await sync(pub_nc)  # the server has routed everything to sub_nc

    await asyncio.wait_for(sub_nc.drain(), GUARD)
    assert sub_nc.is_closed
    assert handled == [str(n).encode() for n in range(total)], sub_nc.stats


async def test_subscription_drain(server, connect):
    nc = await connect(server)
    handled = []

    async def cb(msg):
        handled.append(msg.data)

    sub = await nc.subscribe("sdrain", cb=cb)
    for n in range(50):
        await nc.publish("sdrain", str(n).encode())
    await asyncio.wait_for(sub.drain(), GUARD)
    assert handled == [str(n).encode() for n in range(50)]
    # After draining, interest is gone: a request finds no responders.
    await nc.publish("sdrain", b"late")
    await sync(nc)
    assert len(handled) == 50

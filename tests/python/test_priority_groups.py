"""Priority groups on pull consumers (ADR-42) at the wire level.

`pinned_client`: the first request of the group is pinned (its messages
carry `Nats-Pin-Id`), requests with another pin id are refused with 423,
and CONSUMER.UNPIN hands the pin to the next request. `overflow`: a
request with `min_pending` is served only while that many messages wait.
Observed on nats-server 2.14.0.
"""

import asyncio
import json


async def create(nc, name, extra):
    config = {"durable_name": name, "ack_policy": "explicit", **extra}
    body = json.dumps({"stream_name": "P", "config": config}).encode()
    reply = json.loads((await nc.request(f"$JS.API.CONSUMER.CREATE.P.{name}", body)).data)
    assert "error" not in reply, reply


async def pull(nc, consumer, request, wait=0.5):
    inbox = nc.new_inbox()
    got = []

    async def collect(msg):
        got.append(msg)

    sub = await nc.subscribe(inbox, cb=collect)
    await nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.P.{consumer}", json.dumps(request).encode(), reply=inbox)
    await asyncio.sleep(wait)
    await sub.unsubscribe()
    return got


async def test_pinned_client_and_overflow(start_server, tmp_path, connect):
    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))
    await nc.request("$JS.API.STREAM.CREATE.P", json.dumps({"name": "P", "subjects": ["p.>"]}).encode())
    for i in range(6):
        await nc.request("p.x", str(i).encode())

    await create(nc, "pin", {"priority_policy": "pinned_client", "priority_groups": ["A"]})
    first = await pull(nc, "pin", {"batch": 2, "group": "A", "expires": 400_000_000})
    assert len(first) == 2
    pin = first[0].headers["Nats-Pin-Id"]
    assert pin and first[1].headers["Nats-Pin-Id"] == pin
    wrong = await pull(nc, "pin", {"batch": 1, "group": "A", "id": "not-the-pin", "expires": 400_000_000})
    assert wrong[0].headers["Status"] == "423"
    again = await pull(nc, "pin", {"batch": 1, "group": "A", "id": pin, "expires": 400_000_000})
    assert again[0].headers["Nats-Pin-Id"] == pin
    unpinned = json.loads((await nc.request("$JS.API.CONSUMER.UNPIN.P.pin", json.dumps({"group": "A"}).encode())).data)
    assert "error" not in unpinned, unpinned
    bad_group = await pull(nc, "pin", {"batch": 1, "group": "B", "expires": 400_000_000})
    assert bad_group[0].headers["Status"] == "400"

    await create(nc, "over", {"priority_policy": "overflow", "priority_groups": ["A"]})
    starved = await pull(nc, "over", {"batch": 1, "group": "A", "min_pending": 100, "expires": 300_000_000})
    assert all(m.headers and m.headers.get("Status") for m in starved), "not served below min_pending"
    served = await pull(nc, "over", {"batch": 1, "group": "A", "min_pending": 3, "expires": 300_000_000})
    assert served[0].data == b"0"

"""Monitoring HTTP endpoints observed while nats-py clients are connected.

Covers /varz, /connz?subs=1 and /healthz as fetched with plain urllib: the
JSON field names and values that dashboards and tooling (nats-top, surveyor,
Prometheus exporters) read must match nats-server's, e.g. the connection
count, the client name sent in CONNECT and the subscriptions_list.
"""

import asyncio
import json
import urllib.request

import pytest
from conftest import free_port, sync

GUARD = 10  # seconds; hang guard only


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=GUARD) as r:
        assert r.status == 200
        return json.loads(r.read())


@pytest.fixture
def monitored(start_server):
    mport = free_port()
    server = start_server("-m", str(mport))
    server.http_port = mport
    return server


async def fetch(server, path):
    return await asyncio.to_thread(get_json, server.http_port, path)


async def test_varz(monitored, connect):
    nc = await connect(monitored, name="py-varz")
    await nc.subscribe("varz.subject")
    await sync(nc)
    varz = await fetch(monitored, "/varz")
    assert varz["server_id"] == nc._server_info["server_id"]  # INFO == varz
    assert varz["port"] == monitored.port
    assert varz["http_port"] == monitored.http_port
    assert varz["max_payload"] == nc.max_payload == 1024 * 1024
    assert varz["connections"] == 1
    assert varz["subscriptions"] >= 1
    assert varz["version"]


async def test_varz_counts_messages(monitored, connect):
    nc = await connect(monitored)
    sub = await nc.subscribe("count")
    for _ in range(5):
        await nc.publish("count", b"12345")
    for _ in range(5):
        await sub.next_msg(timeout=GUARD)
    varz = await fetch(monitored, "/varz")
    assert varz["in_msgs"] >= 5
    assert varz["out_msgs"] >= 5
    assert varz["in_bytes"] >= 25


async def test_connz_subs(monitored, connect):
    nc1 = await connect(monitored, name="py-monitor-one")
    nc2 = await connect(monitored, name="py-monitor-two")
    await nc1.subscribe("monitor.subject")
    await nc2.subscribe("monitor.other.>", queue="q")
    await sync(nc1)
    await sync(nc2)

    connz = await fetch(monitored, "/connz?subs=1")
    assert connz["num_connections"] == 2
    assert connz["total"] == 2
    by_name = {c["name"]: c for c in connz["connections"]}
    assert set(by_name) == {"py-monitor-one", "py-monitor-two"}
    one = by_name["py-monitor-one"]
    assert "monitor.subject" in one["subscriptions_list"]
    assert one["subscriptions"] == 1
    assert one["cid"] == nc1.client_id  # INFO client_id == connz cid
    assert one["lang"] == "python3"
    assert one["version"]
    assert one["ip"] == "127.0.0.1"
    assert "monitor.other.>" in by_name["py-monitor-two"]["subscriptions_list"]

    await nc2.close()
    # The server notices the close asynchronously: poll (bounded).
    for _ in range(100):
        connz = await fetch(monitored, "/connz")
        if connz["num_connections"] == 1:
            break
        await asyncio.sleep(0.05)
    assert connz["num_connections"] == 1
    assert connz["connections"][0]["name"] == "py-monitor-one"
    assert "subscriptions_list" not in connz["connections"][0]


async def test_healthz(monitored):
    health = await fetch(monitored, "/healthz")
    assert health["status"] == "ok"


async def test_subsz(monitored, connect):
    nc = await connect(monitored)
    for n in range(7):
        await nc.subscribe(f"subsz.{n}")
    await sync(nc)
    subsz = await fetch(monitored, "/subsz")
    assert subsz["num_subscriptions"] >= 7

"""Behaviours where natrium must match nats-server 2.14 exactly (issue 11).

Each test speaks the raw `$JS.API` JSON (as the CLIs and other clients do)
and runs unchanged against the reference binary (NATRIUM_SERVER_BIN), so
the expectations here are nats-server's own answers.
"""

import asyncio
import json

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

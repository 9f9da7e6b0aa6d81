"""The content store's `{domain}.objects.*` subjects with nats-py, plain requests.

A second, independent client of natrium-server's built-in content store
(`content_store { domain: sales }`): whole-content puts and gets around the
256 KiB chunk boundary, a 100 MiB file put block by block (the dag-pb nodes
are encoded here, by hand, so the root CID matching the IPFS reference value
checks natrium's encoder from outside) and streamed back with flow control,
dedup, and the error replies of bad input.

Expected CIDs come from crates/natrium-cid/tests/data/known.json (computed by
the JS IPFS reference, see tests/cid-reference/reference.mjs).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from conftest import REPO_ROOT

KNOWN = json.loads((REPO_ROOT / "crates/natrium-cid/tests/data/known.json").read_text())
CHUNK = 256 * 1024
MAX_LINKS = 174


def pattern(n: int) -> bytes:
    period = bytes(range(251))
    return (period * (n // 251 + 1))[:n]


@pytest.fixture
def cid_server(start_server, tmp_path):
    store = tmp_path / "js"
    return start_server(config=f'jetstream {{ store_dir: "{store}" }}\ncontent_store {{ domain: sales }}\n')


async def get_all(nc, path: str) -> tuple[bytes, dict]:
    """A streamed get: chunks until Cid-End, answering flow control."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(f"sales.objects.get.{path}", b"", reply=inbox)
    digest, size = hashlib.sha256(), 0
    while True:
        msg = await sub.next_msg(timeout=30)
        headers = msg.headers or {}
        if "Nats-Service-Error-Code" in headers:
            await sub.unsubscribe()
            return b"", headers
        if "Cid-Flow" in headers:
            await nc.publish(msg.reply, b"")
            continue
        digest.update(msg.data)
        size += len(msg.data)
        if "Cid-End" in headers:
            await sub.unsubscribe()
            assert int(headers["Cid-End"]) == size
            return digest.digest(), headers


@pytest.mark.parametrize("name", ["empty", "one_byte", "chunk_minus_one", "chunk", "chunk_plus_one"])
async def test_whole_content_round_trips(cid_server, connect, name):
    nc = await connect(cid_server)
    body = pattern(KNOWN["sizes"][name])
    expected = KNOWN["files"][name]
    reply = json.loads((await nc.request("sales.objects.put", body, timeout=10)).data)
    assert reply["cid"] == expected and reply["size"] == len(body)
    again = json.loads((await nc.request(f"sales.objects.put.{expected}", body, timeout=10)).data)
    assert again["duplicate"] is True and again["new_blocks"] == 0
    digest, _ = await get_all(nc, expected)
    assert digest == hashlib.sha256(body).digest()
    if len(body) <= CHUNK:
        one = await nc.request(f"sales.objects.get.{expected}", b"", timeout=10)
        assert one.data == body and one.headers["Cid-End"] == str(len(body))
    meta = json.loads((await nc.request(f"sales.objects.meta.{expected}", b"", timeout=10)).data)
    assert meta["size"] == len(body)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number: int, wire: int, payload: bytes | int) -> bytes:
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload


def cid_bytes(text: str) -> bytes:
    assert text.startswith("b")
    body = text[1:].upper()
    return base64.b32decode(body + "=" * (-len(body) % 8))


def dag_pb_file_node(children: list[tuple[str, int, int]]) -> bytes:
    """A UnixFS file node over (cid, tsize, filesize) children, as go-unixfs writes it."""
    data = field(1, 0, 2) + field(3, 0, sum(c[2] for c in children))
    data += b"".join(field(4, 0, c[2]) for c in children)
    links = b"".join(
        field(2, 2, field(1, 2, cid_bytes(cid)) + field(2, 2, b"") + field(3, 0, tsize))
        for cid, tsize, _ in children
    )
    return links + field(1, 2, data)


async def put_block(nc, codec: str, block: bytes) -> str:
    msg = await nc.request("sales.objects.put", block, headers={"Cid-Codec": codec}, timeout=10)
    assert "Nats-Service-Error-Code" not in (msg.headers or {}), msg.headers
    return json.loads(msg.data)["cid"]


async def test_a_hundred_mib_put_block_by_block_and_streamed_back(cid_server, connect):
    nc = await connect(cid_server)
    body = pattern(100 * 1024 * 1024)
    level = []
    for at in range(0, len(body), CHUNK):
        leaf = body[at : at + CHUNK]
        level.append((await put_block(nc, "raw", leaf), len(leaf), len(leaf)))
    while len(level) > 1:
        parents = []
        for at in range(0, len(level), MAX_LINKS):
            children = level[at : at + MAX_LINKS]
            node = dag_pb_file_node(children)
            cid = await put_block(nc, "dag-pb", node)
            parents.append((cid, len(node) + sum(c[1] for c in children), sum(c[2] for c in children)))
        level = parents
    root = level[0][0]
    assert root == KNOWN["files"]["hundred_mib"]
    digest, _ = await get_all(nc, root)
    assert digest == hashlib.sha256(body).digest()


async def test_bad_input_gets_an_error_reply(cid_server, connect):
    nc = await connect(cid_server)
    hello = KNOWN["files"]["hello_world"]
    for subject, body, code in [
        (f"sales.objects.put.{hello}", b"hello world?", "409"),
        ("sales.objects.put.not-a-cid", b"x", "400"),
        (f"sales.objects.get.{hello}", b"", "404"),
        ("sales.objects.dag.put", b'{"a": {"/": "' + hello.encode() + b'"}}', "409"),
    ]:
        msg = await nc.request(subject, body, timeout=10)
        assert msg.headers["Nats-Service-Error-Code"] == code, (subject, msg.headers)
        assert msg.headers["Nats-Service-Error"]
        assert json.loads(msg.data)["error"]["code"] == int(code)
    # Nothing above was stored.
    _, headers = await get_all(nc, hello)
    assert headers["Nats-Service-Error-Code"] == "404"

"""`natrium mcp` driven by the official Python MCP SDK (PyPI `mcp`), an
MCP client independent of the Rust one in crates/natrium-cli/tests/mcp_cli.rs.

Both transports: stdio (the SDK starts `natrium mcp` itself) and streamable
HTTP (`natrium mcp --http 127.0.0.1:0`, address read from its stderr). The
server under test is the binary of NATRIUM_SERVER_BIN, so these run against
natrium-server by default and against nats-server when pointed at it.
The `natrium` binary comes from NATRIUM_BIN (default target/debug/natrium).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

REPO_ROOT = Path(__file__).resolve().parents[2]


def natrium_bin() -> str:
    path = Path(os.environ.get("NATRIUM_BIN", str(REPO_ROOT / "target" / "debug" / "natrium")))
    if not path.is_file():
        pytest.fail(f"natrium binary not found: {path} (cargo build -p natrium-cli)", pytrace=False)
    return str(path)


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NATS_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return env


async def exercise(session: ClientSession) -> None:
    await session.initialize()
    tools = (await session.list_tools()).tools
    names = {t.name for t in tools}
    assert {"stream_info", "kv_put", "object_get", "account_backup"} <= names
    for tool in tools:
        assert tool.input_schema["type"] == "object"
    kv_put = next(t for t in tools if t.name == "kv_put")
    assert kv_put.input_schema["required"] == ["bucket", "key", "value"]
    assert next(t for t in tools if t.name == "kv_del").annotations.destructive_hint is True

    result = await session.call_tool("kv_add", {"bucket": "PY"})
    assert not result.is_error, result
    result = await session.call_tool("kv_put", {"bucket": "PY", "key": "k", "value": "v1"})
    assert not result.is_error, result
    assert result.structured_content["revision"] == 1
    result = await session.call_tool("kv_get", {"bucket": "PY", "key": "k"})
    assert result.structured_content["value"] == "v1"
    result = await session.call_tool("stream_state", {"stream": "KV_PY"})
    assert result.structured_content["state"]["messages"] == 1

    # Errors are results naming the argument; the session goes on.
    result = await session.call_tool("stream_info", {})
    assert result.is_error and "`stream`" in result.content[0].text
    result = await session.call_tool("kv_get", {"bucket": "PY", "key": 7})
    assert result.is_error and "`key`" in result.content[0].text
    result = await session.call_tool("stream_info", {"stream": "MISSING"})
    assert result.is_error and "stream not found" in result.content[0].text
    result = await session.call_tool("server_info", {})
    assert not result.is_error and result.structured_content["jetstream"] is True


async def test_stdio(start_server, tmp_path):
    srv = start_server("-js", "-sd", str(tmp_path / "js"))
    params = StdioServerParameters(
        command=natrium_bin(), args=["--server", srv.url, "mcp"], env=clean_env(tmp_path)
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await exercise(session)


async def test_streamable_http(start_server, tmp_path):
    srv = start_server("-js", "-sd", str(tmp_path / "js"))
    proc = subprocess.Popen(
        [natrium_bin(), "--server", srv.url, "mcp", "--http", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(tmp_path),
    )
    try:
        assert proc.stderr is not None
        line = await asyncio.wait_for(asyncio.to_thread(proc.stderr.readline), 20)
        match = re.search(r"(http://\S+/mcp)", line)
        assert match, line
        async with streamable_http_client(match.group(1)) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await exercise(session)
    finally:
        proc.kill()
        proc.wait(timeout=10)


async def test_read_only_refuses_writes(start_server, tmp_path):
    srv = start_server("-js", "-sd", str(tmp_path / "js"))
    params = StdioServerParameters(
        command=natrium_bin(),
        args=["--server", srv.url, "mcp", "--read-only"],
        env=clean_env(tmp_path),
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            names = {t.name for t in (await session.list_tools()).tools}
            assert "stream_info" in names and "kv_put" not in names
            result = await session.call_tool("kv_put", {"bucket": "B", "key": "k", "value": "v"})
            assert result.is_error and "--read-only" in result.content[0].text

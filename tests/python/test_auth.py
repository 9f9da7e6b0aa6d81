"""Authentication through nats-py: user/password and token.

Covers --user/--pass, --auth, and an `authorization {}` config block.  Wrong
or missing credentials must make nats.connect raise (the server answers
-ERR 'Authorization Violation' and closes); right ones must give a working
connection.
"""

import pytest
from conftest import sync

GUARD = 10  # seconds; hang guard only


async def assert_works(nc):
    sub = await nc.subscribe("auth.ok")
    await nc.publish("auth.ok", b"in")
    assert (await sub.next_msg(timeout=GUARD)).data == b"in"


async def assert_rejected(connect, server, **creds):
    errors = []

    async def on_error(e):
        errors.append(e)

    with pytest.raises(Exception):
        await connect(server, error_cb=on_error, **creds)
    return errors


@pytest.fixture
def userpass_server(start_server):
    return start_server("--user", "a", "--pass", "b")


async def test_user_password_ok(userpass_server, connect):
    nc = await connect(userpass_server, user="a", password="b")
    await assert_works(nc)


async def test_user_password_in_url_ok(userpass_server, connect):
    nc = await connect(f"nats://a:b@127.0.0.1:{userpass_server.port}")
    await assert_works(nc)


async def test_wrong_password_rejected(userpass_server, connect):
    errors = await assert_rejected(connect, userpass_server, user="a", password="wrong")
    assert any("authorization violation" in str(e).lower() for e in errors), errors


async def test_wrong_user_rejected(userpass_server, connect):
    await assert_rejected(connect, userpass_server, user="x", password="b")


async def test_missing_credentials_rejected(userpass_server, connect):
    await assert_rejected(connect, userpass_server)


async def test_token_ok(start_server, connect):
    server = start_server("--auth", "s3cr3t")
    nc = await connect(server, token="s3cr3t")
    await assert_works(nc)


async def test_token_wrong_rejected(start_server, connect):
    server = start_server("--auth", "s3cr3t")
    errors = await assert_rejected(connect, server, token="nope")
    assert any("authorization violation" in str(e).lower() for e in errors), errors
    await assert_rejected(connect, server)


async def test_config_authorization_block(start_server, connect):
    server = start_server(config="authorization {\n  user: cfg\n  password: pw\n}\n")
    nc = await connect(server, user="cfg", password="pw")
    await assert_works(nc)
    await assert_rejected(connect, server, user="cfg", password="bad")


PERMS_CONFIG = """
authorization {
  users = [
    {
      user: limited, password: pw
      permissions: {
        publish: { allow: ["allowed.>", "_INBOX.>"] }
        subscribe: { allow: ["allowed.>", "_INBOX.>"], deny: ["allowed.secret"] }
      }
    }
  ]
}
"""


async def test_permissions_violations_are_reported(start_server, connect):
    server = start_server(config=PERMS_CONFIG)
    errors = []

    async def on_error(e):
        errors.append(e)

    nc = await connect(server, user="limited", password="pw", error_cb=on_error)
    sub = await nc.subscribe("allowed.>")
    await nc.publish("forbidden.subject", b"nope")
    await nc.publish("allowed.ok", b"yes")
    assert (await sub.next_msg(timeout=GUARD)).subject == "allowed.ok"

    await nc.subscribe("forbidden.sub")
    await nc.subscribe("allowed.secret")
    await sync(nc)
    # Permission errors do not close the connection.
    assert nc.is_connected
    texts = [str(e).lower() for e in errors]
    assert any("publish to" in t and "forbidden.subject" in t for t in texts), texts
    assert any("subscription to" in t and "forbidden.sub" in t for t in texts), texts
    assert any("subscription to" in t and "allowed.secret" in t for t in texts), texts
    assert all("permissions violation" in t for t in texts), texts

    # The denied publish was not delivered to anyone.
    await nc.publish("allowed.end", b"")
    assert (await sub.next_msg(timeout=GUARD)).subject == "allowed.end"

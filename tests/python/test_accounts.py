"""Accounts through nats-py, side by side with the reference nats-server.

Every test starts natrium-server and nats-server 2.14.0 on the same config
file and checks that both behave the same: isolation between accounts,
stream and service imports, permission and limit errors, JetStream per
account, the system account's requests and events, and /accountz-style
account details (compared by their fields, since both servers generate ids
and times of their own).
"""

import asyncio
import json
import subprocess

import nats
import pytest
from conftest import reference_bin, server_bin, sync

GUARD = 5  # seconds; hang guard only

DOMAINS = """
jetstream { store_dir: "STORE" }
system_account: SYS
accounts {
  SYS: { users: [ { user: sys, password: sys } ] }
  SALES: {
    jetstream: { max_streams: 1 }
    users: [
      { user: sales, password: s }
      { user: reader, password: r, permissions: { publish: "_INBOX.>", subscribe: ">" } }
    ]
    exports: [
      { stream: "sales.events.>" }
      { service: "sales.quote", accounts: [INVENTORY] }
    ]
  }
  INVENTORY: {
    jetstream: enabled
    limits: { max_connections: 3 }
    users: [ { user: inventory, password: i } ]
    imports: [
      { stream: { account: SALES, subject: "sales.events.>" }, prefix: "from_sales" }
      { service: { account: SALES, subject: "sales.quote" }, to: "quote" }
    ]
  }
  PLAIN: { users: [ { user: plain, password: p } ] }
}
"""


async def login(server, user, password, **kwargs):
    async def quiet(_e):
        pass

    kwargs.setdefault("error_cb", quiet)
    return await nats.connect(
        f"nats://{user}:{password}@127.0.0.1:{server.port}",
        allow_reconnect=False,
        max_reconnect_attempts=0,
        **kwargs,
    )


async def scenario(server):
    """What a user of two domains observes; the same on both servers."""
    seen = {}
    sales = await login(server, "sales", "s")
    inventory = await login(server, "inventory", "i")
    plain = await login(server, "plain", "p")

    imported = await inventory.subscribe("from_sales.>")
    leaked = await plain.subscribe("sales.>")
    quotes = await sales.subscribe("sales.quote")
    await sync(inventory)
    await sync(plain)
    await sync(sales)

    await sales.publish("sales.events.order.1", b"created")
    msg = await imported.next_msg(timeout=GUARD)
    seen["stream import"] = (msg.subject, msg.data)

    async def answer():
        request = await quotes.next_msg(timeout=GUARD)
        seen["reply remapped"] = request.reply.startswith("_R_.")
        await sales.publish(request.reply, b"42")

    task = asyncio.create_task(answer())
    reply = await inventory.request("quote", b"widget", timeout=GUARD)
    await task
    seen["service import"] = reply.data

    await sync(sales)
    with pytest.raises(nats.errors.TimeoutError):
        await leaked.next_msg(timeout=0.2)
    try:
        await plain.request("quote", b"x", timeout=1)
        seen["unimported service"] = "answered"
    except nats.errors.NoRespondersError:
        seen["unimported service"] = "no responders"

    # JetStream per account: each domain its own, quotas per account.
    sales_js = sales.jetstream()
    inventory_js = inventory.jetstream()
    await sales_js.add_stream(name="ORDERS", subjects=["orders.>"])
    await inventory_js.add_stream(name="ORDERS", subjects=["orders.>"])
    await sales_js.publish("orders.1", b"x")
    seen["own stream"] = (await sales_js.stream_info("ORDERS")).state.messages
    seen["other stream"] = (await inventory_js.stream_info("ORDERS")).state.messages
    try:
        await sales_js.add_stream(name="MORE", subjects=["more"])
        seen["max streams"] = "created"
    except nats.js.errors.APIError as e:
        seen["max streams"] = (e.code, e.err_code)
    info = json.loads((await plain.request("$JS.API.INFO", b"", timeout=GUARD)).data)
    seen["no jetstream"] = (info["error"]["code"], info["error"]["err_code"])

    # A reader may not publish; the error names the subject.
    errors = []

    async def record(e):
        errors.append(str(e))

    reader = await login(server, "reader", "r", error_cb=record)
    await reader.publish("sales.events.x", b"no")
    await sync(reader)
    await asyncio.sleep(0.1)
    seen["reader publish"] = [e for e in errors if "Permissions Violation" in e]

    # The account connection limit (3 for INVENTORY).
    extra = [await login(server, "inventory", "i") for _ in range(2)]
    limit_errors = []

    async def on_limit(e):
        limit_errors.append(str(e))

    with pytest.raises(Exception):
        await login(server, "inventory", "i", error_cb=on_limit)
    seen["account connection limit"] = [e for e in limit_errors if "maximum" in e]
    for nc in extra + [sales, inventory, plain, reader]:
        await nc.close()
    return seen


async def test_two_domains_behave_as_on_nats_server(start_both):
    natrium, reference = start_both(DOMAINS)
    ours = await scenario(natrium)
    theirs = await scenario(reference)
    assert ours == theirs
    assert ours["stream import"] == ("from_sales.sales.events.order.1", b"created")
    assert ours["service import"] == b"42"
    assert ours["unimported service"] == "no responders"
    assert ours["own stream"] == 1 and ours["other stream"] == 0
    assert ours["no jetstream"] == (503, 10039)
    assert ours["account connection limit"], ours


def keys(value):
    """The shape of a JSON document: its keys, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list) and value:
        return [keys(value[0])]
    return type(value).__name__


async def system_answers(server):
    sys_nc = await login(server, "sys", "sys")
    inventory = await login(server, "inventory", "i", name="probe")
    answers = {}
    for subject in [
        "$SYS.REQ.SERVER.PING.VARZ",
        "$SYS.REQ.SERVER.PING.HEALTHZ",
        "$SYS.REQ.ACCOUNT.INVENTORY.CONNZ",
        "$SYS.REQ.ACCOUNT.INVENTORY.INFO",
    ]:
        reply = await sys_nc.request(subject, b"", timeout=GUARD)
        answers[subject] = json.loads(reply.data)
    user = await inventory.request("$SYS.REQ.USER.INFO", b"", timeout=GUARD)
    answers["USER.INFO"] = json.loads(user.data)
    try:
        await sys_nc.request("$SYS.REQ.SERVER.PING.NOPE", b"", timeout=1)
        answers["unknown"] = "answered"
    except nats.errors.NoRespondersError:
        answers["unknown"] = "no responders"
    events = await sys_nc.subscribe("$SYS.ACCOUNT.PLAIN.CONNECT")
    await sync(sys_nc)
    probe = await login(server, "plain", "p", name="evented")
    answers["CONNECT"] = json.loads((await events.next_msg(timeout=GUARD)).data)
    for nc in (probe, inventory, sys_nc):
        await nc.close()
    return answers


async def test_system_account_json_matches_nats_server(start_both):
    natrium, reference = start_both(DOMAINS)
    ours = await system_answers(natrium)
    theirs = await system_answers(reference)
    assert ours["unknown"] == theirs["unknown"] == "no responders"
    assert ours["USER.INFO"]["data"] == theirs["USER.INFO"]["data"]
    for name in ("CONNECT",):
        assert ours[name]["type"] == theirs[name]["type"]
        for field in ("acc", "user", "name", "kind", "client_type"):
            assert ours[name]["client"][field] == theirs[name]["client"][field], field
    health = "$SYS.REQ.SERVER.PING.HEALTHZ"
    assert ours[health]["data"] == theirs[health]["data"]
    info = "$SYS.REQ.ACCOUNT.INVENTORY.INFO"
    for field in ("account_name", "jetstream_enabled", "client_connections"):
        assert ours[info]["data"][field] == theirs[info]["data"][field], field
    ours_imports = {(i["subject"], i.get("to"), i["type"]) for i in ours[info]["data"]["imports"]}
    theirs_imports = {
        (i["subject"], i.get("to"), i["type"])
        for i in theirs[info]["data"]["imports"]
        # nats-server's clustered-JetStream import from the system account.
        if i["subject"] != "$JS.API.>"
    }
    assert ours_imports == theirs_imports
    # Every field of the server block nats-server sends, natrium sends too.
    for subject in ("$SYS.REQ.SERVER.PING.VARZ", "$SYS.REQ.ACCOUNT.INVENTORY.CONNZ"):
        missing = set(theirs[subject]["server"]) - set(ours[subject]["server"]) - {"feature_flags"}
        assert not missing, (subject, missing)
    connz = "$SYS.REQ.ACCOUNT.INVENTORY.CONNZ"
    assert ours[connz]["data"]["num_connections"] == theirs[connz]["data"]["num_connections"]


@pytest.mark.parametrize(
    "config, expected",
    [
        (
            'accounts {\n A: { exports: [ { stream: "a.>", accounts: [C] } ] }\n'
            ' B: { imports: [ { stream: { account: A, subject: "a.>" } } ] }\n C: {}\n}\n',
            'Error adding stream import "a.>": stream import not authorized',
        ),
        (
            'accounts {\n A: { exports: [ { service: "s" } ], imports: [ { service: { account: B, subject: "s" } } ] }\n'
            ' B: { exports: [ { service: "s" } ], imports: [ { service: { account: A, subject: "s" } } ] }\n}\n',
            'Error adding service import "s": import forms a cycle',
        ),
        (
            "accounts { A: { imports: [ { stream: { account: NOPE, subject: x } } ] } }\n",
            '"NOPE" account not defined for stream import',
        ),
        (
            "accounts { A: { users: [ {user: u, password: p} ] }, B: { users: [ {user: u, password: q} ] } }\n",
            'Duplicate user "u" detected',
        ),
        (
            'mappings { "a.*": "b.$2" }\n',
            'Error adding mapping for "a.*" to "b.$2" : invalid mapping destination: '
            "wildcard index out of range in $2: [2]",
        ),
    ],
)
def test_bad_account_configs_are_refused_like_nats_server(tmp_path, config, expected):
    conf = tmp_path / "bad.conf"
    conf.write_text(config)
    for binary in (server_bin(), reference_bin()):
        result = subprocess.run(
            [str(binary), "-c", str(conf), "-p", "-1"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert result.returncode != 0, binary
        assert expected in result.stderr + result.stdout, (binary, result.stderr)


MAPPINGS = """
mappings {
  "orders.*.*": "shop.{{wildcard(2)}}.{{wildcard(1)}}"
  "part.*": "part.{{partition(5,1)}}.{{wildcard(1)}}"
  "split.*": "s.{{split(1,-)}}"
  "left.*": "l.{{splitFromLeft(1,3)}}"
  "right.*": "r.{{splitFromRight(1,3)}}"
  "slice.*": "sl.{{sliceFromLeft(1,2)}}"
  "rslice.*": "sr.{{sliceFromRight(1,2)}}"
  "whole.*": "w.{{partition(7)}}"
}
"""

MAPPED = [
    "orders.eu.new",
    "part.customer-1",
    "part.customer-2",
    "part.zz",
    "split.a-b--c",
    "left.abcdef",
    "right.abcdef",
    "slice.abcde",
    "rslice.abcde",
    "whole.key-1",
    "whole.key-2",
]


async def mapped_subjects(server):
    nc = await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0)
    sub = await nc.subscribe(">")
    await sync(nc)
    out = []
    for subject in MAPPED:
        await nc.publish(subject, b"")
        while True:
            msg = await sub.next_msg(timeout=GUARD)
            if not msg.subject.startswith("_INBOX."):
                out.append(msg.subject)
                break
    await nc.close()
    return out


async def test_every_mapping_function_maps_like_nats_server(start_both):
    natrium, reference = start_both(MAPPINGS)
    ours = await mapped_subjects(natrium)
    theirs = await mapped_subjects(reference)
    assert ours == theirs
    assert ours[0] == "shop.new.eu"


async def api_counters(server):
    """$JS.API.INFO's api counters, per account, after a few requests."""
    sales = await login(server, "sales", "s")
    inventory = await login(server, "inventory", "i")
    seen = []
    for _ in range(3):
        info = json.loads((await sales.request("$JS.API.INFO", b"", timeout=GUARD)).data)
        seen.append((info["api"]["total"], info["api"]["errors"]))
    await sales.request("$JS.API.STREAM.INFO.NOPE", b"", timeout=GUARD)
    info = json.loads((await sales.request("$JS.API.INFO", b"", timeout=GUARD)).data)
    seen.append((info["api"]["total"], info["api"]["errors"]))
    other = json.loads((await inventory.request("$JS.API.INFO", b"", timeout=GUARD)).data)
    seen.append(("other account", other["api"]["total"], other["api"]["errors"]))
    await sales.close()
    await inventory.close()
    return seen


async def test_jetstream_api_counters_per_account_as_nats_server(start_both):
    natrium, reference = start_both(DOMAINS)
    ours = await api_counters(natrium)
    assert ours == await api_counters(reference)
    assert ours[:2] == [(0, 0), (1, 0)]


LATENCY = """
accounts {
  SVC: {
    users: [ { user: svc, password: s } ]
    exports: [ { service: "svc.q", latency: { sampling: 100%, subject: "latency.q" } } ]
  }
  APP: {
    users: [ { user: app, password: a } ]
    imports: [ { service: { account: SVC, subject: "svc.q" } } ]
  }
}
"""


async def latency_metric(server):
    svc = await login(server, "svc", "s")
    app = await login(server, "app", "a")
    measurements = await svc.subscribe("latency.q")

    async def answer(msg):
        await msg.respond(b"ok")

    await svc.subscribe("svc.q", cb=answer)
    await sync(svc)
    assert (await app.request("svc.q", b"x", timeout=GUARD)).data == b"ok"
    metric = json.loads((await measurements.next_msg(timeout=GUARD)).data)
    await svc.close()
    await app.close()
    return metric


async def test_service_latency_is_reported_as_on_nats_server(start_both):
    natrium, reference = start_both(LATENCY)
    ours = await latency_metric(natrium)
    theirs = await latency_metric(reference)
    assert set(ours) == set(theirs)
    assert ours["type"] == theirs["type"] == "io.nats.server.metric.v1.service_latency"
    assert ours["status"] == theirs["status"] == 200
    assert ours["requestor"]["acc"] == theirs["requestor"]["acc"] == "APP"
    for field in ("acc", "user", "kind", "client_type"):
        assert ours["responder"][field] == theirs["responder"][field], field
    assert ours["total"] >= ours["service"] >= 0

"""How push consumers are paced: the 2.14 `flow_control` ack policy and
`rate_limit_bps`.

The flow-control ack policy, observed on nats-server 2.14.0: the policy needs a push consumer (10218),
brings flow control and a 1 s idle heartbeat with it, never redelivers on
a timer (no ack_wait), ignores client acks, and an idle consumer with
messages outstanding follows its heartbeat with a flow-control request.
"""

import asyncio
import json


async def api(nc, subject, body=None):
    data = json.dumps(body).encode() if body is not None else b""
    return json.loads((await nc.request(subject, data, timeout=5)).data)


async def test_flow_control_ack_policy(start_server, tmp_path, connect):
    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))
    await api(nc, "$JS.API.STREAM.CREATE.S", {"name": "S", "subjects": ["s.>"]})
    for i in range(5):
        await nc.request("s.x", str(i).encode())

    pull = await api(nc, "$JS.API.CONSUMER.CREATE.S.P",
                     {"stream_name": "S", "config": {"durable_name": "P", "ack_policy": "flow_control"}})
    assert pull["error"]["err_code"] == 10218, pull

    messages, flow_control = [], asyncio.get_running_loop().create_future()

    async def receive(msg):
        if msg.headers and msg.headers.get("Description") == "FlowControl Request":
            if not flow_control.done():
                flow_control.set_result(msg)
        elif msg.data:
            messages.append(msg)

    await nc.subscribe("d.b", cb=receive)
    await nc.flush()
    created = await api(nc, "$JS.API.CONSUMER.CREATE.S.B", {
        "stream_name": "S",
        "config": {"durable_name": "B", "ack_policy": "flow_control", "deliver_subject": "d.b"}})
    config = created["config"]
    assert config["flow_control"] is True and config["idle_heartbeat"] == 1_000_000_000
    assert "ack_wait" not in config and config["max_ack_pending"] == 1000

    # The heartbeat after the burst brings a flow-control request (hang guard only).
    request = await asyncio.wait_for(flow_control, 10)
    assert request.reply.startswith("$JS.FC.S.B.")
    # Nothing was redelivered in the meantime, and acks change nothing.
    assert [m.data for m in messages] == [b"0", b"1", b"2", b"3", b"4"]
    await nc.publish(messages[0].reply, b"+ACK")
    await nc.publish(request.reply, b"")
    info = await api(nc, "$JS.API.CONSUMER.INFO.S.B")
    assert info["num_ack_pending"] == 5 and info["ack_floor"]["stream_seq"] == 0, info
    assert info["num_redelivered"] == 0 and info["delivered"]["consumer_seq"] == 5, info


async def test_rate_limited_push_consumer_delivers_everything(start_server, tmp_path, connect):
    """rate_limit_bps paces a push consumer (a token bucket of one maximum
    message): the messages still all arrive, in order. A pull consumer
    cannot have a rate limit (10086 on nats-server 2.14.0)."""
    nc = await connect(start_server("-js", "-sd", str(tmp_path / "store")))
    await api(nc, "$JS.API.STREAM.CREATE.R",
              {"name": "R", "subjects": ["r.>"], "max_msg_size": 1024})
    for i in range(8):
        await nc.request("r.x", bytes([65 + i]) * 900)

    pull = await api(nc, "$JS.API.CONSUMER.CREATE.R.P", {
        "stream_name": "R", "config": {"durable_name": "P", "ack_policy": "explicit",
                                        "rate_limit_bps": 8000}})
    assert pull["error"]["err_code"] == 10086, pull

    got, done = [], asyncio.get_running_loop().create_future()

    async def receive(msg):
        got.append(msg.data[:1])
        if len(got) == 8 and not done.done():
            done.set_result(True)

    await nc.subscribe("d.r", cb=receive)
    await nc.flush()
    created = await api(nc, "$JS.API.CONSUMER.CREATE.R.PUSH", {
        "stream_name": "R", "config": {"durable_name": "PUSH", "ack_policy": "none",
                                        "deliver_subject": "d.r", "rate_limit_bps": 80_000}})
    assert created["config"]["rate_limit_bps"] == 80_000, created
    await asyncio.wait_for(done, 20)  # hang guard: ~1 s at 10 kB/s
    assert got == [bytes([65 + i]) for i in range(8)]

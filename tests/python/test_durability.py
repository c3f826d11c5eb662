"""Durability: acknowledged writes survive SIGKILL; SIGTERM shuts down cleanly (exit 0)."""

from __future__ import annotations

import threading
import time

from conftest import boto_client
from eddy_proc import Eddy

TABLE = "durable"
WRITERS = 4
TARGET = 300


def create_table(client):
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1, "MaxAttempts": 20})


def test_acknowledged_writes_survive_sigkill(tmp_path):
    data = tmp_path / "data"
    server = Eddy(data_dir=data)
    try:
        create_table(boto_client(server.endpoint))
        acked: list[tuple[str, str]] = []
        lock = threading.Lock()
        half = threading.Event()
        stop = threading.Event()

        def writer(tid: int):
            # no client retries: a retried write could be acknowledged by the restarted server
            c = boto_client(server.endpoint, retries=0)
            for i in range(tid, TARGET, WRITERS):  # TARGET items in all, split across threads
                if stop.is_set():
                    return
                key, value = f"k{i}", f"value-{i}-" + "x" * 100
                try:
                    c.put_item(TableName=TABLE, Item={"pk": {"S": key}, "v": {"S": value}})
                except Exception:
                    return  # the server is gone: this write was never acknowledged
                with lock:
                    acked.append((key, value))
                    if len(acked) >= TARGET // 2:
                        half.set()

        threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(WRITERS)]
        for t in threads:
            t.start()
        assert half.wait(60), f"only {len(acked)} writes acknowledged in 60 s"
        server.kill()  # SIGKILL mid-write: no flush, no shutdown hook
        stop.set()
        for t in threads:
            t.join(10)
        assert len(acked) >= TARGET // 2
    finally:
        server.close()

    restarted = Eddy(data_dir=data)
    try:
        client = boto_client(restarted.endpoint)
        missing = []
        for key, value in acked:
            item = client.get_item(TableName=TABLE, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")
            if item != {"pk": {"S": key}, "v": {"S": value}}:
                missing.append((key, item))
        assert not missing, f"{len(missing)} of {len(acked)} acknowledged writes lost after SIGKILL, e.g. {missing[:5]}"
    finally:
        restarted.close()


def test_sigterm_exits_zero_and_keeps_data(tmp_path):
    data = tmp_path / "data"
    server = Eddy(data_dir=data)
    client = boto_client(server.endpoint)
    create_table(client)
    for i in range(TARGET):
        client.put_item(TableName=TABLE, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
    started = time.monotonic()
    code = server.terminate(timeout=15)
    assert code == 0, f"eddy exited with {code} on SIGTERM\n{server.output()[-2000:]}"
    assert time.monotonic() - started < 15
    server.close()

    restarted = Eddy(data_dir=data)
    try:
        client = boto_client(restarted.endpoint)
        for i in range(TARGET):
            item = client.get_item(TableName=TABLE, Key={"pk": {"S": f"k{i}"}}, ConsistentRead=True).get("Item")
            assert item == {"pk": {"S": f"k{i}"}, "n": {"N": str(i)}}, f"k{i} after SIGTERM + restart: {item}"
    finally:
        restarted.close()

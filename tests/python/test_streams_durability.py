"""Streams durability: a stream record commits with its write. After SIGKILL mid-load and a
restart on the same data directory, every acknowledged write has exactly one record, a
record exists only for a committed write, per-item order holds, and new records get
sequence numbers above every earlier one. Issue 5 "Behaviour that must hold".
"""

from __future__ import annotations

import threading

from conftest import boto_client
from eddy_proc import Eddy
from streams_util import create_table, read_stream, seqs, streams_client

WRITERS = 4
VERSIONS = 400  # per writer, far more than get written before the kill


def scan_all(client, table: str) -> dict[str, int]:
    """pk -> v of every item (consistent scan)."""
    out: dict[str, int] = {}
    kwargs = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        for item in page["Items"]:
            out[item["pk"]["S"]] = int(item["v"]["N"])
        if "LastEvaluatedKey" not in page:
            return out
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_stream_survives_sigkill(tmp_path):
    data = tmp_path / "data"
    server = Eddy(data_dir=data)
    acked: dict[str, list[int]] = {f"w{t}": [] for t in range(WRITERS)}
    attempted: dict[str, int] = {}
    try:
        name, arn = create_table(boto_client(server.endpoint), "NEW_AND_OLD_IMAGES")
        progress = threading.Semaphore(0)

        def writer(t: int) -> None:
            # no retries: a retried write could be acknowledged by the restarted server
            c = boto_client(server.endpoint, retries=0)
            key = f"w{t}"
            for v in range(VERSIONS):
                attempted[key] = v
                try:
                    c.put_item(TableName=name, Item={"pk": {"S": key}, "v": {"N": str(v)}})
                except Exception:
                    return  # the server is gone: this write was never acknowledged
                acked[key].append(v)
                progress.release()

        threads = [threading.Thread(target=writer, args=(t,), daemon=True) for t in range(WRITERS)]
        for t in threads:
            t.start()
        for _ in range(WRITERS * 40):  # at least 160 acknowledged writes before the kill
            assert progress.acquire(timeout=60), "writers stalled"
        server.kill()  # SIGKILL mid-write: no flush, no shutdown hook
        for t in threads:
            t.join(10)
    finally:
        server.close()

    restarted = Eddy(data_dir=data)
    try:
        client, streams = boto_client(restarted.endpoint), streams_client(restarted.endpoint)
        records = read_stream(streams, arn)
        items = scan_all(client, name)
        per_key: dict[str, list[int]] = {}
        for r in records:
            key = r["dynamodb"]["Keys"]["pk"]["S"]
            per_key.setdefault(key, []).append(int(r["dynamodb"]["NewImage"]["v"]["N"]))
        for key, done in acked.items():
            got = per_key.get(key, [])
            assert done, f"writer {key} never got an acknowledgement"
            # every acknowledged version exactly once, in order, with no gaps; at most the one
            # in-flight (committed but unacknowledged) version beyond the last acknowledged one
            assert got[: len(done)] == done, f"{key}: records {got[:10]}... vs acknowledged {done[:10]}..."
            assert got == list(range(len(got))), f"{key}: duplicate, missing or reordered records"
            assert len(got) - len(done) in (0, 1), f"{key}: {len(got) - len(done)} records beyond the acknowledged"
            assert got[-1] <= attempted[key]
            # a record exists iff its write was committed: the table's item is the last record
            assert items[key] == got[-1], f"{key}: item v={items[key]} but last record v={got[-1]}"
        assert set(per_key) == set(acked)
        assert [r["eventName"] for r in records if r["dynamodb"]["NewImage"]["v"]["N"] == "0"] == ["INSERT"] * WRITERS
        before = max(seqs(records))
        for t in range(WRITERS):
            client.put_item(TableName=name, Item={"pk": {"S": f"w{t}"}, "v": {"N": str(VERSIONS)}})
        after = read_stream(streams, arn)
        new = after[len(records) :]
        assert after[: len(records)] == records
        assert len(new) == WRITERS and all(r["eventName"] == "MODIFY" for r in new)
        assert min(seqs(new)) > before, "sequence numbers after the restart must exceed every earlier one"
    finally:
        restarted.close()


def test_stream_and_shards_survive_clean_restart(tmp_path):
    data = tmp_path / "data"
    server = Eddy(data_dir=data)
    try:
        client = boto_client(server.endpoint)
        name, arn = create_table(client, "KEYS_ONLY")
        for i in range(10):
            client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "v": {"N": "1"}})
        streams = streams_client(server.endpoint)
        before = read_stream(streams, arn)
        desc_before = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        assert server.terminate() == 0
    finally:
        server.close()
    restarted = Eddy(data_dir=data)
    try:
        client, streams = boto_client(restarted.endpoint), streams_client(restarted.endpoint)
        assert client.describe_table(TableName=name)["Table"]["LatestStreamArn"] == arn
        desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        assert desc["StreamStatus"] == "ENABLED"
        assert desc["Shards"][0]["ShardId"] == desc_before["Shards"][0]["ShardId"]
        assert read_stream(streams, arn) == before
        client.put_item(TableName=name, Item={"pk": {"S": "after"}, "v": {"N": "1"}})
        records = read_stream(streams, arn)
        assert records[:-1] == before
        assert int(records[-1]["dynamodb"]["SequenceNumber"]) > max(seqs(before))
    finally:
        restarted.close()

"""Shared fixtures: real eddy binaries, boto3 clients, and DynamoDB Local.

- `eddy`: one in-memory eddy (`--in-memory --port 0`) for the whole session, or the
  server at `$EDDY_ENDPOINT` when that is set (a hand-started eddy, for debugging).
- `eddy_durable`: one eddy on a temporary `--data-dir` for the session.
- `client` / `resource`: boto3 DynamoDB client and resource pointed at `eddy`.
- `ddb_local`: endpoint of DynamoDB Local on http://127.0.0.1:8001 (override with
  `DDB_LOCAL_ENDPOINT`). Tests using it are skipped when it does not answer, except under
  CI (`CI` set), where that is an error: CI must run the differential suite.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest

from eddy_proc import Eddy

REGION = "us-east-1"
DUMMY_KEYS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "dummy-secret"}
DDB_LOCAL_ENDPOINT = os.environ.get("DDB_LOCAL_ENDPOINT", "http://127.0.0.1:8001")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes many seconds (real timeouts, retries)")


class External:
    """An already running server named by `EDDY_ENDPOINT` (e.g. one started by hand)."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint.rstrip("/")

    def close(self):
        pass


@pytest.fixture(scope="session")
def eddy():
    server = External(os.environ["EDDY_ENDPOINT"]) if os.environ.get("EDDY_ENDPOINT") else Eddy()
    yield server
    server.close()


@pytest.fixture(scope="session")
def eddy_durable(tmp_path_factory):
    server = Eddy(data_dir=tmp_path_factory.mktemp("eddy-data"))
    yield server
    server.close()


def boto_client(endpoint: str, retries: int = 2):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(retries={"max_attempts": retries, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        **DUMMY_KEYS,
    )


def boto_resource(endpoint: str):
    import boto3

    return boto3.resource("dynamodb", endpoint_url=endpoint, region_name=REGION, **DUMMY_KEYS)


@pytest.fixture(scope="session")
def client(eddy):
    return boto_client(eddy.endpoint)


@pytest.fixture(scope="session")
def resource(eddy):
    return boto_resource(eddy.endpoint)


def _answering(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=2).read()
        return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means something is listening
    except OSError:
        return False


@pytest.fixture(scope="session")
def ddb_local():
    if not _answering(DDB_LOCAL_ENDPOINT):
        msg = (
            f"DynamoDB Local is not answering on {DDB_LOCAL_ENDPOINT}; start it with "
            "../shared/tools/dynamodb-local.sh start 8001"
        )
        if os.environ.get("CI"):
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return DDB_LOCAL_ENDPOINT

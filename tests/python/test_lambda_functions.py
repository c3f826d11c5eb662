"""Lambda functions through boto3, as a user would: create a function from a zip, invoke
it, read errors and logs, update and delete it. Runs against the session `eddy` fixture
(the real binary, in-memory), so it also checks the server wiring and AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
import zipfile

import pytest

from conftest import DUMMY_KEYS, REGION

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

HANDLER = '''
import os
import boto3

def handler(event, context):
    print("got", event)
    # SDK calls inside the handler reach eddy through AWS_ENDPOINT_URL.
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    return {"echo": event, "function": context.function_name,
            "endpoint": os.environ["AWS_ENDPOINT_URL"], "tables": tables}

def fail(event, context):
    raise KeyError("missing")
'''


def zip_of(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return buf.getvalue()


@pytest.fixture(scope="module")
def lam(eddy):
    import boto3

    return boto3.client("lambda", endpoint_url=eddy.endpoint, region_name=REGION, **DUMMY_KEYS)


def test_create_invoke_update_delete(lam, eddy):
    name = f"fn-{uuid.uuid4().hex[:8]}"
    created = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zip_of({"app.py": HANDLER})},
        Timeout=10,
    )
    assert created["State"] == "Pending"
    assert created["FunctionArn"] == f"arn:aws:lambda:{REGION}:000000000000:function:{name}"
    lam.get_waiter("function_active_v2").wait(FunctionName=name)

    out = lam.invoke(FunctionName=name, Payload=json.dumps({"k": "v"}), LogType="Tail")
    assert out["StatusCode"] == 200
    assert "FunctionError" not in out
    assert out["ExecutedVersion"] == "$LATEST"
    body = json.loads(out["Payload"].read())
    assert body["echo"] == {"k": "v"}
    assert body["function"] == name
    assert body["endpoint"] == eddy.endpoint
    assert isinstance(body["tables"], list)
    assert "got {'k': 'v'}" in base64.b64decode(out["LogResult"]).decode()

    lam.update_function_configuration(FunctionName=name, Handler="app.fail")
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    out = lam.invoke(FunctionName=name, Payload=b"{}")
    assert out["FunctionError"] == "Unhandled"
    err = json.loads(out["Payload"].read())
    assert err["errorType"] == "KeyError"
    assert isinstance(err["stackTrace"], list)

    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204
    assert name in [f["FunctionName"] for f in lam.list_functions()["Functions"]]

    lam.delete_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_function(FunctionName=name)
    assert f"function:{name}" in str(e.value)


def test_errors_are_typed(lam):
    name = f"fn-{uuid.uuid4().hex[:8]}"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": b"not a zip"})
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                        Handler="app.handler", Code={"ZipFile": zip_of({"app.py": HANDLER})})
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": zip_of({"app.py": HANDLER})})
    with pytest.raises(lam.exceptions.InvalidRequestContentException):
        lam.invoke(FunctionName=name, Payload=b"not json")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=name + "-ghost", Payload=b"{}")
    lam.delete_function(FunctionName=name)

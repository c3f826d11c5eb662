"""Raw DynamoDB JSON 1.0 requests over HTTP, with nothing but the standard library.

The differential suite sends byte-identical requests to eddy and to DynamoDB Local, so it
must not go through boto3 (which validates and reshapes requests client-side).
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

TARGET_PREFIX = "DynamoDB_20120810."
DUMMY_AUTH = (
    "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


@dataclass
class Response:
    """One HTTP answer: status, headers (lower-cased names) and the decoded JSON body."""

    status: int
    headers: dict[str, str]
    raw: bytes
    body: Any  # parsed JSON, or None when the body is not JSON

    @property
    def error_type(self) -> str | None:
        """The `__type` after the last `#`, or None for a body without one."""
        if isinstance(self.body, dict) and "__type" in self.body:
            return str(self.body["__type"]).rsplit("#", 1)[-1]
        return None

    @property
    def error_message(self) -> str | None:
        """`message`, whatever its capitalisation (DynamoDB Local sends `Message`)."""
        if isinstance(self.body, dict):
            for k, v in self.body.items():
                if k.lower() == "message":
                    return v
        return None


def call(
    endpoint: str,
    op: str | None,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Response:
    """POSTs `body` (a dict, or a str/bytes sent verbatim) as operation `op`.

    `op=None` sends no X-Amz-Target header. Extra `headers` override the defaults; a value
    of None removes that header.
    """
    if isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body).encode()
    hdrs: dict[str, str | None] = {
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": DUMMY_AUTH,
        "X-Amz-Date": "20260101T000000Z",
    }
    if op is not None:
        hdrs["X-Amz-Target"] = TARGET_PREFIX + op
    hdrs.update(headers or {})
    url = urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(
            "POST", url.path or "/", body=data, headers={k: v for k, v in hdrs.items() if v is not None}
        )
        resp = conn.getresponse()
        raw = resp.read()
        resp_headers = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return Response(resp.status, resp_headers, raw, parsed)

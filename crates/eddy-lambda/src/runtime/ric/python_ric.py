"""eddy's runtime interface client for Python Lambda handlers.

Written into eddy's runtime directory at startup and run with the host's python3. It
speaks the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API) like awslambdaric: import the
handler module from LAMBDA_TASK_ROOT, loop on `next`, call handler(event, context), post
the JSON result or an error body shaped as AWS does (errorMessage, errorType, requestId,
stackTrace). Exceptions while importing the module are init errors; handler-resolution
faults (bad handler name, import error, missing function) are reported per invocation.
"""

import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, PORT = API.rsplit(":", 1)
CURRENT_REQUEST_ID = None


class Client:
    def __init__(self):
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(HOST, int(PORT))
                self.conn.request(method, "/2018-06-01" + path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp.status, resp.headers, resp.read()
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.01)

    def next(self):
        while True:
            status, headers, body = self.request("GET", "/runtime/invocation/next")
            if status == 200:
                return headers, body
            time.sleep(0.05)

    def post(self, path, body, error_type=None):
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        self.request("POST", path, body, headers)


class Fault(Exception):
    def __init__(self, error_type, msg, trace=None):
        super().__init__(msg)
        self.error_type = error_type
        self.msg = msg
        self.trace = trace or []


class ClientContext:
    def __init__(self, raw):
        self.client = raw.get("client")
        self.custom = raw.get("custom")
        self.env = raw.get("env")


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = ClientContext(client_context) if client_context else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def log(self, msg):
        sys.stdout.write(str(msg))
        sys.stdout.flush()


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = CURRENT_REQUEST_ID or ""
        return True


def setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    logging.Formatter.converter = time.gmtime
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler, e))
    try:
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise Fault("Runtime.ImportModuleError", "Unable to import module '{}': {}".format(modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise Fault("Runtime.UserCodeSyntaxError", "Syntax error in module '{}': {}".format(modname, e), trace)
    func = getattr(module, fname, None)
    if func is None:
        raise Fault("Runtime.HandlerNotFound", "Handler '{}' missing on module '{}'".format(fname, modname))
    return func


def error_body(exc_info, request_id, skip=1):
    etype, value, tb = exc_info
    stack = traceback.format_list(traceback.extract_tb(tb)[skip:])
    return {
        "errorMessage": str(value),
        "errorType": etype.__name__,
        "requestId": request_id,
        "stackTrace": stack,
    }


def log_error(body):
    lines = ["[ERROR] {}: {}".format(body["errorType"], body["errorMessage"])]
    if body.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(s.rstrip("\n") for s in body["stackTrace"])
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


def main():
    global CURRENT_REQUEST_ID
    client = Client()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    setup_logging()
    fault = None
    func = None
    try:
        func = load_handler(os.environ.get("_HANDLER", ""))
    except Fault as f:
        fault = f
    except Exception:
        body = error_body(sys.exc_info(), "", skip=0)
        log_error(body)
        client.post("/runtime/init/error", json.dumps(body).encode(), body["errorType"])
        sys.exit(1)

    while True:
        headers, payload = client.next()
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        CURRENT_REQUEST_ID = request_id
        trace = headers.get("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        if fault is not None:
            body = {"errorMessage": fault.msg, "errorType": fault.error_type, "requestId": request_id, "stackTrace": fault.trace}
            log_error(body)
            client.post("/runtime/invocation/%s/error" % request_id, json.dumps(body).encode(), fault.error_type)
            continue
        cc = headers.get("Lambda-Runtime-Client-Context")
        context = LambdaContext(
            request_id,
            int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            json.loads(cc) if cc else None,
        )
        try:
            event = json.loads(payload) if payload else {}
            result = func(event, context)
        except Exception:
            body = error_body(sys.exc_info(), request_id)
            log_error(body)
            client.post("/runtime/invocation/%s/error" % request_id, json.dumps(body).encode(), "Unhandled")
            continue
        try:
            out = json.dumps(result).encode()
        except (TypeError, ValueError) as e:
            body = {"errorMessage": "Unable to marshal response: {}".format(e), "errorType": "Runtime.MarshalError", "requestId": request_id, "stackTrace": []}
            log_error(body)
            client.post("/runtime/invocation/%s/error" % request_id, json.dumps(body).encode(), "Runtime.MarshalError")
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        client.post("/runtime/invocation/%s/response" % request_id, out)


if __name__ == "__main__":
    main()

-- wrk script: ListTables (Limit 1), the cheapest authenticated request: what one request
-- costs a server with (almost) no work behind it. bench.py reports it as the "HTTP floor".
-- No `response` callback: with one, wrk hands every response's headers and body to Lua,
-- ~1 µs of client CPU per request on the same two cores as the server. bench.py counts
-- non-2xx responses and socket errors from wrk's summary instead (and reports them).
local headers = {}
headers["Content-Type"] = "application/x-amz-json-1.0"
headers["X-Amz-Target"] = "DynamoDB_20120810.ListTables"
headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
headers["X-Amz-Date"] = "20261124T000000Z"
request = function()
  return wrk.format("POST", "/", headers, '{"Limit":1}')
end

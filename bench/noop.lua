-- wrk script: ListTables (Limit 1), the cheapest authenticated request: what one request
-- costs a server with (almost) no work behind it. bench.py reports it as the "HTTP floor".
request = function()
  local headers = {}
  headers["Content-Type"] = "application/x-amz-json-1.0"
  headers["X-Amz-Target"] = "DynamoDB_20120810.ListTables"
  headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
  headers["X-Amz-Date"] = "20261124T000000Z"
  return wrk.format("POST", "/", headers, '{"Limit":1}')
end
response = function(status, headers, body)
  if status ~= 200 then print(status, body); wrk.thread:stop() end
end

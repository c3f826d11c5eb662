-- wrk script: Query, first page of 10 items from partition `p-hot` (1,000 items) of table `qsbench`.
request = function()
  local body = '{"TableName":"qsbench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p-hot"}},"Limit":10}'
  local headers = {}
  headers["Content-Type"] = "application/x-amz-json-1.0"
  headers["X-Amz-Target"] = "DynamoDB_20120810.Query"
  headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
  headers["X-Amz-Date"] = "20261124T000000Z"
  return wrk.format("POST", "/", headers, body)
end
response = function(status, headers, body)
  if status ~= 200 then print(status, body); wrk.thread:stop() end
end

-- wrk script: SNS Publish (query protocol, form-encoded) for bench/run_sns.sh.
-- $WRK_TOPIC_ARN is the topic; $MESSAGE_BYTES (default 100) the message size. Every
-- message is unique (thread id and counter) so receivers can count them.
local topic = os.getenv("WRK_TOPIC_ARN") or error("WRK_TOPIC_ARN is not set")
local size = tonumber(os.getenv("MESSAGE_BYTES") or "100")
local run = os.getenv("WRK_RUN") or tostring(os.time())
local counter = 0
local next_tid = 0
setup = function(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
local enc_topic = urlencode(topic)
local pad = string.rep("x", size)
local headers = {}
headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/sns/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
headers["X-Amz-Date"] = "20261124T000000Z"
request = function()
  counter = counter + 1
  local msg = string.format("order %s-%d-%d ", run, tid, counter)
  msg = msg .. string.sub(pad, 1, math.max(0, size - #msg))
  local body = "Action=Publish&Version=2010-03-31&TopicArn=" .. enc_topic .. "&Message=" .. urlencode(msg)
  return wrk.format("POST", "/", headers, body)
end
response = function(status, headers, body)
  if status ~= 200 then
    print(status, body)
    wrk.thread:stop()
  end
end

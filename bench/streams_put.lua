-- wrk script: PutItem mix for the streams benchmark (bench/run_streams.sh).
-- Table from $WRK_TABLE (default `bench`, key pk S + sk N). Each request is either an INSERT of a
-- new key or an overwrite of a key this thread wrote earlier with changed content (`qty` and
-- `ver` differ on every write), so a stream gets INSERT and MODIFY records and no no-op puts.
-- $WRK_RUN (a per-invocation token) keeps keys of different wrk runs apart;
-- $OVERWRITE_PCT (default 50) is the share of overwrites once a thread has written 100 keys.
-- No `response` callback: with one, wrk hands every response's headers and body to Lua,
-- ~1 µs of client CPU per request on the same two cores as the server. bench.py counts
-- non-2xx responses and socket errors from wrk's summary instead (and reports them).
local table_name = os.getenv("WRK_TABLE") or "bench"
local run = os.getenv("WRK_RUN") or tostring(os.time())
local overwrite_pct = tonumber(os.getenv("OVERWRITE_PCT") or "50")
local counter = 0
local keys = 0
local next_tid = 0
setup = function(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
init = function(args)
  math.randomseed(os.time() + (tid or 0) * 7919)
end
local headers = {}
headers["Content-Type"] = "application/x-amz-json-1.0"
headers["X-Amz-Target"] = "DynamoDB_20120810.PutItem"
headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20261124/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
headers["X-Amz-Date"] = "20261124T000000Z"
request = function()
  counter = counter + 1
  local n
  if keys >= 100 and math.random(1, 100) <= overwrite_pct then
    n = math.random(1, keys)      -- overwrite: same key, new qty/ver => MODIFY
  else
    keys = keys + 1
    n = keys                      -- new key => INSERT
  end
  local body = string.format('{"TableName":"%s","Item":{"pk":{"S":"k-%s-%d-%d"},"sk":{"N":"%d"},"customer":{"S":"alice@example.com"},"item":{"S":"book"},"qty":{"N":"%d"},"price":{"N":"12.50"},"ver":{"S":"%s-%d"}}}',
    table_name, run, tid, n, n, counter, run, counter)
  return wrk.format("POST", "/", headers, body)
end

-- wrk script: GET /search with the queries of $QUERIES_FILE (one URL-encoded query a line), each
-- wrk thread starting at its own place in the list and going round.
local queries = {}
for line in io.lines(os.getenv("QUERIES_FILE")) do queries[#queries + 1] = line end
local path = os.getenv("SEARCH_PATH") or "/search?top=10&q="
local i = 0

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  i = math.random(#queries)
end

request = function()
  i = i % #queries + 1
  return wrk.format("GET", path .. queries[i])
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%.0f\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end

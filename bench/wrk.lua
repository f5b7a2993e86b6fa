-- wrk script shared by every motcua benchmark (see bench/README.md).
--
-- Configured through the environment, read once per wrk thread:
--   BENCH_PATHS         file with one request path per line, taken in rotation (each thread
--                       starts at a different line); without it, the URL's own path is used.
--   BENCH_METHOD        HTTP method (default GET).
--   BENCH_BODY          file whose bytes are sent as the body of every request.
--   BENCH_CONTENT_TYPE  the body's Content-Type.
-- Authorization and other headers come from wrk's -H.
--
-- At the end one machine-readable line is printed:
--   BENCH requests=… rps=… p50_ms=… p90_ms=… p99_ms=… max_ms=… non2xx=… errors=…

local paths = {}
local list = os.getenv("BENCH_PATHS")
if list and list ~= "" then
  for line in io.lines(list) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
end

local method = os.getenv("BENCH_METHOD") or "GET"
wrk.method = method

local body_file = os.getenv("BENCH_BODY")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE")
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

local i = 0
function init(args)
  -- Spread the threads over the list.
  if #paths > 0 then
    i = (id * 7919) % #paths
  end
end

if #paths > 0 then
  -- A dynamic request only when there is something to rotate: a static request is cheaper.
  request = function()
    i = i % #paths + 1
    return wrk.format(nil, paths[i])
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_s=%.2f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d errors=%d\n",
    summary.requests,
    summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000,
    latency:percentile(90) / 1000,
    latency:percentile(99) / 1000,
    latency.max / 1000,
    e.status,
    e.connect + e.read + e.write + e.timeout
  ))
end

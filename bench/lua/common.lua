-- Shared by the scenarios: per-thread setup, status counting and a JSON report from done().
-- The report goes to stdout on one line prefixed "WRK_JSON " so bench/rest.py can parse it.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("thread_id", counter)
   thread:set("thread_count", 0)
   table.insert(threads, thread)
end

function load_tokens(path)
   local list = {}
   local file = assert(io.open(path, "r"), "cannot open token file " .. path)
   for line in file:lines() do
      if #line > 0 then table.insert(list, line) end
   end
   file:close()
   assert(#list > 0, "no tokens in " .. path)
   return list
end

-- Count non-2xx responses per thread (wrk only counts non-2xx/3xx, and only in total).
bad = 0
function response(status, headers, body)
   if status < 200 or status > 299 then
      bad = bad + 1
      if bad <= 3 then io.stderr:write("unexpected HTTP " .. status .. ": " .. string.sub(body, 1, 200) .. "\n") end
   end
end

function done(summary, latency, requests)
   local bad_total = 0
   for _, thread in ipairs(threads) do
      bad_total = bad_total + (thread:get("bad") or 0)
   end
   local function us(p) return latency:percentile(p) end
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "non_2xx": %d, ' ..
      '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, ' ..
      '"p50": %d, "p75": %d, "p90": %d, "p99": %d, "p999": %d}}\n',
      summary.requests, seconds, summary.requests / seconds, summary.bytes,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
      summary.errors.timeout, bad_total,
      latency.min, latency.mean, latency.stdev, latency.max,
      us(50), us(75), us(90), us(99), us(99.9)))
end

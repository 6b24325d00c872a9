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

-- Open loop (RATE_PER_THREAD set, requests/s): each thread sends on a fixed schedule, one
-- request every 1/rate s, whatever the responses do. A connection that is free takes the next
-- slot of the schedule and waits for it (wrk's delay()); with enough connections a free one is
-- always there, so no request waits for another's response. If all are busy, a request goes
-- out late and wrk's latency (from the actual send) would hide that wait (coordinated
-- omission): each send's lateness against its slot is counted and reported ("late"), so a run
-- shows whether its latencies are the open-loop ones.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } chirp_timespec;
int clock_gettime(int clk_id, chirp_timespec *tp);
]]
local clock = ffi.new("chirp_timespec")
local function now_ms()
   ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
   return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local rate = tonumber(os.getenv("RATE_PER_THREAD") or "")
local interval = rate and 1000 / rate
local next_slot = nil
local slots, first, last = {}, 1, 0  -- slots handed out, sent in order (timers fire in order)
late, late_ms_max, late_ms_sum, sent = 0, 0, 0, 0

if rate then
   function delay()
      local now = now_ms()
      if next_slot == nil then next_slot = now end
      local slot = next_slot
      next_slot = next_slot + interval
      last = last + 1
      slots[last] = slot
      return math.max(0, slot - now)
   end
end

-- Called by each scenario's request(): accounts for the send against its slot.
function paced()
   if not rate or first > last then return end
   local lateness = now_ms() - slots[first]
   slots[first] = nil
   first = first + 1
   sent = sent + 1
   if lateness > 1 then
      late = late + 1
      late_ms_sum = late_ms_sum + lateness
      if lateness > late_ms_max then late_ms_max = lateness end
   end
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
   local bad_total, late_total, late_max, late_sum, sent_total = 0, 0, 0, 0, 0
   for _, thread in ipairs(threads) do
      bad_total = bad_total + (thread:get("bad") or 0)
      late_total = late_total + (thread:get("late") or 0)
      late_sum = late_sum + (thread:get("late_ms_sum") or 0)
      late_max = math.max(late_max, thread:get("late_ms_max") or 0)
      sent_total = sent_total + (thread:get("sent") or 0)
   end
   local function us(p) return latency:percentile(p) end
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.2f, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "non_2xx": %d, ' ..
      '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, ' ..
      '"p50": %d, "p75": %d, "p90": %d, "p99": %d, "p999": %d}, ' ..
      '"paced": {"sent": %d, "late": %d, "late_ms_max": %.2f, "late_ms_mean": %.3f}}\n',
      summary.requests, seconds, summary.requests / seconds, summary.bytes,
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
      summary.errors.timeout, bad_total,
      latency.min, latency.mean, latency.stdev, latency.max,
      us(50), us(75), us(90), us(99), us(99.9),
      sent_total, late_total, late_max, late_total > 0 and late_sum / late_total or 0))
end

-- POST /api/v1/statuses as the author (1,000 followers: every tweet fans out to 1,000 feeds),
-- form-encoded, with a unique text per request (thread id + counter) and a hashtag.
package.path = (debug.getinfo(1, "S").source:match("@?(.*/)") or "./") .. "?.lua;" .. package.path
require "common"

local token = load_tokens(os.getenv("TOKENS_FILE"))[1]
local n = 0
local run = os.getenv("RUN_ID") or tostring(os.time())

function request()
   n = n + 1
   local body = "status=" .. "Benchmark+tweet+" .. run .. "-" .. (thread_id or 0) .. "-" .. n ..
      "+about+%23benchmarks+and+%23python&visibility=public"
   return wrk.format("POST", "/api/v1/statuses", {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }, body)
end

-- GET /api/v1/timelines/home?limit=20, each request as the next of many reader accounts.
-- The token file (one bearer token a line) comes from the TOKENS_FILE environment variable.
package.path = (debug.getinfo(1, "S").source:match("@?(.*/)") or "./") .. "?.lua;" .. package.path
require "common"

local tokens = load_tokens(os.getenv("TOKENS_FILE"))
local path = os.getenv("HOME_PATH") or "/api/v1/timelines/home?limit=20"
local i = 0

function init(args)
   -- Threads start at different offsets so they do not walk the same accounts in lockstep.
   i = (thread_id or 1) * 7919
end

function request()
   paced()
   i = i + 1
   local token = tokens[(i % #tokens) + 1]
   return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

-- A realistic mix: each request is the next line of REQUESTS_FILE (built by bench/rest.py),
-- "METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY": home pages (the first and older ones through max_id)
-- of readers drawn from every account, account timelines, threads, single statuses,
-- notifications and a share of posts. A post's body gets a suffix unique to this run.
package.path = (debug.getinfo(1, "S").source:match("@?(.*/)") or "./") .. "?.lua;" .. package.path
require "common"

local lines = {}
local file = assert(io.open(os.getenv("REQUESTS_FILE"), "r"), "cannot open REQUESTS_FILE")
for line in file:lines() do
   local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
   if method then table.insert(lines, { method, path, token, body }) end
end
file:close()
assert(#lines > 0, "no requests in REQUESTS_FILE")
local run = os.getenv("RUN_ID") or tostring(os.time())
local i, n = 0, 0

function init(args)
   -- Threads start at different offsets so they do not send the same requests in lockstep.
   i = (thread_id or 1) * 7919
end

function request()
   paced()
   i = i + 1
   local r = lines[(i % #lines) + 1]
   local headers = { ["Authorization"] = "Bearer " .. r[3] }
   if r[1] == "POST" then
      n = n + 1
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      return wrk.format("POST", r[2], headers, r[4] .. "+" .. run .. "-" .. (thread_id or 0) .. "-" .. n)
   end
   return wrk.format(r[1], r[2], headers)
end

-- One operation, the same request every time: BENCH_METHOD (default GET) to the URL given to wrk,
-- with BENCH_BODY as a JSON body when set. Every answer's status is counted; done() prints one
-- line "BENCH {json}" that bench/wrk.py reads (latencies in microseconds; common.lua).
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "1")
wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.headers["Authorization"] = "Bearer bench"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

-- per thread (globals, so that done() reads them with thread:get)
ok, other, first_other = 0, 0, ""
function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    other = other + 1
    if first_other == "" then first_other = tostring(status) .. " " .. string.sub(body or "", 1, 200) end
  end
end

function done(summary, latency, requests)
  local answered_ok, answered_other, sample = 0, 0, ""
  for _, thread in ipairs(threads) do
    answered_ok = answered_ok + thread:get("ok")
    answered_other = answered_other + thread:get("other")
    if sample == "" then sample = thread:get("first_other") end
  end
  common.report(summary, latency, answered_ok, answered_other, sample, connections, "")
end

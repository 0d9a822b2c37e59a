-- A mixed load for the soak (bench/soak.py), to the server root URL given to wrk.
--   BENCH_MIX=soak: get a record, search, create a record then delete it, get a job, upload a file
--     then delete it, in turn: what it creates it deletes (a create's id is read from its answer;
--     its delete goes out on the next delete turn), so the state stays the same size.
--   BENCH_MIX=jobs: create an extraction job, then get the last job created, in turn (jobs cannot be
--     deleted: the state grows by one job per create).
-- Inputs: BENCH_RECORD_ID, BENCH_SEARCH_BODY, BENCH_JOB_ID, BENCH_AGENT_ID, BENCH_FILE_ID.
-- done() prints one line "BENCH {json}" as request.lua does, with the requests sent by kind.
local common = dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")
local connections = tonumber(os.getenv("BENCH_CONNECTIONS") or "1")
local mix = os.getenv("BENCH_MIX") or "soak"
local record_id = os.getenv("BENCH_RECORD_ID") or "missing"
local search_body = os.getenv("BENCH_SEARCH_BODY") or "{}"
local job_id = os.getenv("BENCH_JOB_ID") or "missing"
local create_job_body = string.format('{"extraction_agent_id":"%s","file_id":"%s"}',
  os.getenv("BENCH_AGENT_ID") or "missing", os.getenv("BENCH_FILE_ID") or "missing")
local create_body = '{"deployment_name":"soak","collection":"soak",' ..
  '"data":{"name":"soak","age":42,"tags":["a","b"],"address":{"city":"Oslo"}}}'
local boundary = "llamacloudmockbenchboundary"
local upload_body = "--" .. boundary .. "\r\n" ..
  'Content-Disposition: form-data; name="upload_file"; filename="soak.txt"\r\n' ..
  "Content-Type: text/plain\r\n\r\nInvoice Number: SOAK-1\r\n--" .. boundary .. "--\r\n"

local function headers(content_type)
  local h = {["Authorization"] = "Bearer bench"}
  if content_type then h["Content-Type"] = content_type end
  return h
end

local records, files = {first = 1, last = 0}, {first = 1, last = 0}
local function push(queue, value) queue.last = queue.last + 1; queue[queue.last] = value end
local function pop(queue)
  if queue.first > queue.last then return nil end
  local value = queue[queue.first]
  queue[queue.first] = nil
  queue.first = queue.first + 1
  return value
end

local cycle
if mix == "jobs" then
  cycle = {"create-job", "get-job"}
else
  cycle = {"get", "search", "create", "delete", "get-job", "upload", "delete-file"}
end

-- per thread (globals, so that done() reads them with thread:get)
sent = {}
for _, kind in ipairs(cycle) do sent[kind] = 0 end
ok, other, first_other, created, uploaded, leftover = 0, 0, "", 0, 0, 0
local step, last_job = 0, job_id

local function format(kind)
  if kind == "get" then
    return wrk.format("GET", "/api/v1/beta/agent-data/" .. record_id, headers())
  elseif kind == "search" then
    return wrk.format("POST", "/api/v1/beta/agent-data/:search", headers("application/json"), search_body)
  elseif kind == "create" then
    return wrk.format("POST", "/api/v1/beta/agent-data", headers("application/json"), create_body)
  elseif kind == "get-job" then
    return wrk.format("GET", "/api/v1/extraction/jobs/" .. (mix == "jobs" and last_job or job_id), headers())
  elseif kind == "upload" then
    return wrk.format("POST", "/api/v1/files", headers("multipart/form-data; boundary=" .. boundary), upload_body)
  elseif kind == "create-job" then
    return wrk.format("POST", "/api/v1/extraction/jobs", headers("application/json"), create_job_body)
  end
end

-- a delete turn: the queue of what was created, and the path that deletes one of them
local deletes = {
  ["delete"] = {records, "/api/v1/beta/agent-data/"},
  ["delete-file"] = {files, "/api/v1/files/"},
}

function request()
  step = step + 1
  local kind = cycle[(step - 1) % #cycle + 1]
  local delete = deletes[kind]
  if delete then
    local id = pop(delete[1])
    if id then
      sent[kind] = sent[kind] + 1
      return wrk.format("DELETE", delete[2] .. id, headers())
    end
    kind = "get"  -- nothing created yet to delete
  end
  sent[kind] = sent[kind] + 1
  return format(kind)
end

local function first_id(body)
  return string.match(body, '"id"%s*:%s*"([^"]+)"')
end

function response(status, headers, body)
  if status < 200 or status >= 300 then
    other = other + 1
    if first_other == "" then first_other = tostring(status) .. " " .. string.sub(body or "", 1, 200) end
    return
  end
  ok = ok + 1
  if mix == "jobs" then
    if string.find(body, '"extraction_agent"', 1, true) then last_job = first_id(body) or last_job end
  elseif string.find(body, '"deployment_name":"soak"', 1, true) then
    created = created + 1
    push(records, first_id(body))
  elseif string.find(body, '"name":"soak.txt"', 1, true) then
    uploaded = uploaded + 1
    push(files, first_id(body))
  end
  leftover = (records.last - records.first + 1) + (files.last - files.first + 1)
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local total = {ok = 0, other = 0, created = 0, uploaded = 0, leftover = 0}
  local by_kind, sample = {}, ""
  for _, thread in ipairs(threads) do
    for name in pairs(total) do total[name] = total[name] + thread:get(name) end
    for kind, n in pairs(thread:get("sent")) do by_kind[kind] = (by_kind[kind] or 0) + n end
    if sample == "" then sample = thread:get("first_other") end
  end
  local kinds = {}
  for kind, n in pairs(by_kind) do table.insert(kinds, string.format('"%s":%d', kind, n)) end
  local extra = string.format('"sent":{%s},"records_created":%d,"files_uploaded":%d,"not_deleted":%d',
    table.concat(kinds, ","), total.created, total.uploaded, total.leftover)
  common.report(summary, latency, total.ok, total.other, sample, connections, extra)
end

-- Shared by request.lua and mix.lua (loaded with dofile from BENCH_WRK_DIR): the line "BENCH {json}"
-- that done() prints for bench/wrk.py, with the latencies as measured.
--
-- wrk 4 "corrects" its latency histogram for coordinated omission before done() sees it: for every
-- answer slower than twice the mean interval between requests of a connection, it adds the answers
-- a fixed-rate client would have waited for (wrk.c: stats_correct). With one connection that is
-- not what the client saw (one 100 ms pause becomes hundreds of made-up slow answers), so the
-- latency below is the histogram with that correction undone: the exact inverse, checked by its
-- count, which must be the number of answers. wrk's own corrected figures are printed too.
local ffi = require("ffi")
pcall(ffi.cdef, [[
typedef struct { uint64_t count; uint64_t limit; uint64_t min; uint64_t max; uint64_t data[]; } bench_wrk_stats;
]])  -- wrk 4.1's struct stats (src/stats.h)

local M = {}

function M.quote(s)
  return '"' .. string.gsub(s or "", '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

-- {count, p50, p90, p99, max, mean} of the histogram with wrk's correction undone (microseconds)
function M.measured(summary, latency, connections)
  local s = ffi.cast("bench_wrk_stats**", latency)[0]
  if tonumber(s.count) == 0 then return nil end
  local low, high = tonumber(s.min), tonumber(s.max)
  local counts = ffi.new("double[?]", high + 1)
  for n = low, high do counts[n] = tonumber(s.data[n]) end
  local per_connection = math.floor(summary.requests / connections)
  if per_connection > 0 then
    local expected = math.floor(summary.duration / per_connection)  -- as wrk.c computes it
    if expected > 0 then
      -- wrk added count[n] at n - k * expected (k >= 1, while above expected) for each n >= 2 * expected,
      -- counting the original count[n]: undo it from the top down, where count[n] is already original
      for n = high, 2 * expected, -1 do
        local c = counts[n]
        if c ~= 0 then
          local m = n - expected
          while m > expected do
            counts[m] = counts[m] - c
            m = m - expected
          end
        end
      end
    end
  end
  local total, sum = 0, 0
  for n = low, high do
    total = total + counts[n]
    sum = sum + counts[n] * n
  end
  -- the histogram, to 3 significant digits (merged with other runs' by bench/wrk.py): "value:count,..."
  local buckets, bucket, bucket_count = {}, -1, 0
  for n = low, high do
    local c = counts[n]
    if c ~= 0 then
      local step = 1
      while n >= 1000 * step do step = step * 10 end
      local b = math.floor(n / step) * step
      if b ~= bucket then
        if bucket_count > 0 then table.insert(buckets, string.format("%d:%d", bucket, bucket_count)) end
        bucket, bucket_count = b, 0
      end
      bucket_count = bucket_count + c
    end
  end
  if bucket_count > 0 then table.insert(buckets, string.format("%d:%d", bucket, bucket_count)) end
  local result = {count = total, max = high, mean = total > 0 and sum / total or 0, histogram = table.concat(buckets, ",")}
  local ranks = {p50 = 50, p90 = 90, p99 = 99}
  for name, p in pairs(ranks) do
    local rank = math.floor(p / 100 * total + 0.5 + 0.5)  -- wrk: round(p / 100 * count + 0.5)
    local seen = 0
    for n = low, high do
      seen = seen + counts[n]
      if seen >= rank then result[name] = n; break end
    end
  end
  return result
end

-- the BENCH line; ``extra`` is more JSON members ('"name":value,...') or ""
function M.report(summary, latency, answered_ok, answered_other, sample, connections, extra)
  local e = summary.errors
  local m = M.measured(summary, latency, connections)
  local measured = "null"
  if m then
    measured = string.format('{"count":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f,"histogram":"%s"}',
      m.count, m.p50, m.p90, m.p99, m.max, m.mean, m.histogram)
  end
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"connections":%d,"ok":%d,"non_2xx":%d,"first_non_2xx":%s,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"latency_us":%s,"latency_corrected_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}%s}\n',
    summary.requests, summary.duration, connections, answered_ok, answered_other, M.quote(sample),
    e.connect, e.read, e.write, e.timeout, e.status, measured,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    (extra and extra ~= "") and ("," .. extra) or ""))
end

return M

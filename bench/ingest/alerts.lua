-- wrk script: POST Alertmanager v2 alert JSON (or PagerDuty events) with unique labels.
-- Env: BATCH (alerts per request), FORMAT (am | pd), KEY (PagerDuty routing key).
local batch = tonumber(os.getenv("BATCH") or "1")
local format = os.getenv("FORMAT") or "am"
local key = os.getenv("KEY") or ""
local threads = {}
local next_id = 0
local counter = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function am_alert(i)
  return string.format(
    '{"labels":{"alertname":"BenchAlert","instance":"t%d-%d-%d","severity":"warning",' ..
    '"service":"bench"},"annotations":{"summary":"queue depth above 100"},' ..
    '"startsAt":"2026-11-22T11:57:59Z","generatorURL":"http://prometheus:9090/graph"}',
    tid, counter, i)
end

function request()
  counter = counter + 1
  if format == "pd" then
    local body = string.format(
      '{"routing_key":"%s","event_action":"trigger","dedup_key":"t%d-%d",' ..
      '"payload":{"summary":"queue depth above 100","source":"bench","severity":"warning"}}',
      key, tid, counter)
    return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
  end
  local parts = {}
  for i = 1, batch do parts[i] = am_alert(i) end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"},
                    "[" .. table.concat(parts, ",") .. "]")
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.timeout
  io.write(string.format(
    "RESULT requests=%d non2xx=%d errors=%d duration_us=%d p50_us=%d p99_us=%d\n",
    summary.requests, non2xx, errors, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end

-- wrk script: POST prepared gzip envelopes (one event each) to a Sentry envelope endpoint.
-- Env: ENVELOPES (a file of records "<8-digit length><bytes>"), AUTH (X-Sentry-Auth).
local auth = os.getenv("AUTH") or ""
local bodies = {}
local index = 0

function init(args)
  local file = assert(io.open(os.getenv("ENVELOPES"), "rb"))
  local data = file:read("*a")
  file:close()
  local position = 1
  while position <= #data do
    local length = tonumber(data:sub(position, position + 7))
    bodies[#bodies + 1] = data:sub(position + 8, position + 7 + length)
    position = position + 8 + length
  end
  index = math.random(#bodies)
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-sentry-envelope",
    ["Content-Encoding"] = "gzip",
    ["X-Sentry-Auth"] = auth,
  }, bodies[index])
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

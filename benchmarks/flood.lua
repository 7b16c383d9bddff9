-- wrk script for a flood of the public feedback form (see flood.py, which passes the arguments).
--
-- Arguments: the form's path, the form body to send, the pause in milliseconds each connection
-- waits before its next request, and the thread's share of client addresses. Every request
-- comes from another client address (an X-Forwarded-For header, for a server that trusts one
-- proxy), so the limit per address never refuses it: only the limit per team stands in its
-- way, the hardest case. done() prints one line of JSON with how each request was answered.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path, body, pause = args[1], args[2], tonumber(args[3])
  headers = {
    ["User-Agent"] = "carelearn-bench-flood",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  sent, refused, taken, other = 0, 0, 0, 0
end

function delay()
  return pause
end

function request()
  sent = sent + 1
  local n = sent % 65536
  headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", 100 + id, math.floor(n / 256), n % 256)
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status == 429 then
    refused = refused + 1
  elseif status == 303 then
    taken = taken + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local totals = { refused = 0, taken = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "refused": %d, "taken": %d, ' ..
    '"other": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), totals.refused, totals.taken,
    totals.other, e.connect + e.read + e.write + e.timeout))
end

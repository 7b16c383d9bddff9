-- wrk script for one page of the benchmark (see bench.py, which passes the arguments).
--
-- Arguments: method, path, expected status, cookie header ("-" for none), a file of
-- "path<TAB>form body" lines, each with "<TAB>cookie" when it is another person's request
-- ("-" for none), that the threads share out and send in turn, the
-- number of threads, and "vary-address" to send each request from another client address (an
-- X-Forwarded-For header, for a server that trusts one proxy): a page limited per address then
-- measures its work, not its refusals. Every response with another status is counted, and
-- done() prints one line of JSON.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local method, path, cookie, bodies = args[1], args[2], args[4], args[5]
  expected = tonumber(args[3])
  unexpected = 0
  local headers = { ["User-Agent"] = "carelearn-bench" }
  if cookie ~= "-" then headers["Cookie"] = cookie end
  if method == "POST" then headers["Content-Type"] = "application/x-www-form-urlencoded" end
  requests = {}
  if bodies ~= "-" then
    local lines = {}
    for line in io.lines(bodies) do lines[#lines + 1] = line end
    -- Each thread takes its own share of the lines (all of them when there are too few).
    local stride = tonumber(args[6])
    if #lines < stride then stride = 1 end
    for n, line in ipairs(lines) do
      if stride == 1 or (n - 1) % stride == id - 1 then
        local line_path, body, line_cookie = string.match(line, "^([^\t]*)\t([^\t]*)\t?(.*)$")
        local line_headers = headers
        if line_cookie ~= "" then
          line_headers = {}
          for name, value in pairs(headers) do line_headers[name] = value end
          line_headers["Cookie"] = line_cookie
        end
        requests[#requests + 1] = wrk.format(method, line_path, line_headers, body)
      end
    end
  else
    requests[1] = wrk.format(method, path, headers, nil)
  end
  sent = 0
  vary_address = args[7] == "vary-address"
  if vary_address then
    get_method, get_path, get_headers = method, path, headers
  end
end

function request()
  sent = sent + 1
  if vary_address then
    -- 10.<thread>.x.y: about 65,000 addresses per thread, each used about once a minute.
    local n = sent % 65536
    get_headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", id, math.floor(n / 256), n % 256)
    return wrk.format(get_method, get_path, get_headers, nil)
  end
  return requests[(sent - 1) % #requests + 1]
end

function response(status, headers, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local wrong, sent_total = 0, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("unexpected")
    sent_total = sent_total + thread:get("sent")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "unexpected": %d, ' ..
    '"socket_errors": %d, "sent": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), wrong,
    e.connect + e.read + e.write + e.timeout, sent_total))
end

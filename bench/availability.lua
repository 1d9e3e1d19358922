-- wrk script of bench/availability_load.py: each request asks the availability of a service picked at
-- random from the list, for the days given; with no arguments, it GETs the URL as given (GET /health).
-- The run ends with one JSON line: requests, 2xx and other statuses, latency percentiles from wrk's own
-- histogram.
--
-- wrk -t 1 -c N -d S -s bench/availability.lua URL -- SITE_PATH FROM TO CODE [CODE ...]

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("number", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local site_path, first, last, codes
local counts = { ok = 0, other = 0 }

function init(args)
  math.randomseed(os.time() + number)
  codes = {}
  if #args > 0 then
    site_path, first, last = args[1], args[2], args[3]
    for i = 4, #args do
      codes[#codes + 1] = args[i]
    end
  end
end

function request()
  if #codes == 0 then
    return wrk.format("GET")
  end
  local code = codes[math.random(#codes)]
  return wrk.format("GET", string.format("%s/services/%s/availability?from=%s&to=%s", site_path, code, first, last))
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    counts.ok = counts.ok + 1
  else
    counts.other = counts.other + 1
  end
  ok, other = counts.ok, counts.other
end

function done(summary, latency, requests)
  local total = { ok = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do
      total[name] = total[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"ok":%d,"other":%d,"transport":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, total.ok, total.other,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

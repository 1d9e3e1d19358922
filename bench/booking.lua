-- wrk script of bench/booking.py: every request books a slot for a new citizen, and the run ends with
-- one JSON line of counts by status and latency percentiles from wrk's own histogram.
--
-- wrk -t T -c N -d S --latency -s bench/booking.lua URL -- SERVICE FIRST_CITIZEN START [START ...]
-- Each thread numbers its citizens from FIRST_CITIZEN + thread number x 1,000,000 (distinct NIKs), and
-- takes the starts round-robin from a different offset.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("number", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local service, citizen, starts, next_start
local counts = { created = 0, conflict = 0, limited = 0, server_error = 0, other = 0 }

function init(args)
  service = args[1]
  citizen = tonumber(args[2]) + number * 1000000
  starts = {}
  for i = 3, #args do
    starts[#starts + 1] = args[i]
  end
  next_start = number % #starts
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

-- the n-th distinct valid NIK of Blora (33.16.01), as bench/_load.py makes them
local function nik(n)
  local serial, rest = n % 9999 + 1, math.floor(n / 9999) -- LuaJIT: no // operator
  return string.format("331601%02d%02d85%04d", rest % 28 + 1, math.floor(rest / 28) % 12 + 1, serial)
end

function request()
  citizen = citizen + 1
  next_start = next_start % #starts + 1
  local body = string.format(
    '{"service":"%s","start":"%s","channels":["sms"],"citizen":{"nik":"%s","name":"Warga Uji","phone":"081234567890"}}',
    service, starts[next_start], nik(citizen))
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    counts.created = counts.created + 1
  elseif status == 409 then
    counts.conflict = counts.conflict + 1
  elseif status == 429 then
    counts.limited = counts.limited + 1
  elseif status >= 500 then
    counts.server_error = counts.server_error + 1
  else
    counts.other = counts.other + 1
  end
  created, conflict, limited, server_error, other =
    counts.created, counts.conflict, counts.limited, counts.server_error, counts.other
end

function done(summary, latency, requests)
  local total = { created = 0, conflict = 0, limited = 0, server_error = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do
      total[name] = total[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_us":%d,"created":%d,"conflict":%d,"limited":%d,"server_error":%d,' ..
    '"other":%d,"transport":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, total.created, total.conflict, total.limited, total.server_error,
    total.other, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end

-- wrk script for `python -m scripts.bench` (scripts/bench/): the same script loads the app
-- and the ceiling, so the per-request Lua cost is equal on both sides.
--
--   wrk -t1 -c50 -d5s -s scripts/wrk/bench.lua 'http://host/v1/members?as_of=' -- dates lang
--
-- Arguments after "--" (any, in any order):
--   dates    append a distinct date YYYY-MM-DD to the URL's path (wrk.path, so give a URL
--            ending in "as_of=") on every request
--   lang     send a distinct Accept-Language on every request: en-US,en;q=0.9,x-<nonce>-<n>
--   start=N  first position in the date walk (scripts.bench varies it from run to run)
--   nonce=S  run tag inside the Accept-Language value (so no value repeats across runs)
-- Without "dates" or "lang" request() is removed, so wrk sends its one pre-built request
-- (no Lua per request) and the run costs what a plain wrk run costs.
--
-- The dates walk 1995-01-01 .. 2099-12-31 (SPAN days) with a stride coprime to SPAN: the
-- first SPAN requests of a run all carry different dates, and consecutive requests jump
-- across the whole range (early dates give short lists, later ones the full list).
--
-- done() prints one line, "BENCH-RESULT {json}", with the figures scripts.bench reads and the
-- number of requests the script generated with their first and last varying values.

local DAY = 86400
local FIRST = 788918400 -- 1995-01-01T00:00:00Z
local SPAN = 38351 -- days from 1995-01-01 to 2099-12-31 inclusive
local STRIDE = 7919 -- prime, does not divide SPAN

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads - 1)
  for _, t in ipairs(threads) do
    t:set("nthreads", #threads)
  end
end

id, nthreads = 0, 1
generated, first_value, last_value = 0, "", ""
local dates, lang, start, nonce, base = false, false, 0, "0", "/"

function init(args)
  for _, arg in ipairs(args) do
    if arg == "dates" then
      dates = true
    elseif arg == "lang" then
      lang = true
    elseif arg:sub(1, 6) == "start=" then
      start = tonumber(arg:sub(7))
    elseif arg:sub(1, 6) == "nonce=" then
      nonce = arg:sub(7)
    else
      error("unknown argument: " .. arg)
    end
  end
  base = wrk.path
  if not (dates or lang) then
    request = nil
  end
end

function request()
  local n = generated * nthreads + id
  generated = generated + 1
  local path, headers, value = base, nil, ""
  if dates then
    path = base .. os.date("!%Y-%m-%d", FIRST + ((start + n * STRIDE) % SPAN) * DAY)
    value = path
  end
  if lang then
    local language = "en-US,en;q=0.9,x-" .. nonce .. "-" .. n
    headers = { ["Accept-Language"] = language }
    value = (value == "" and language) or (value .. " " .. language)
  end
  if generated == 1 then
    first_value = value
  end
  last_value = value
  return wrk.format(nil, path, headers)
end

local function quote(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function done(summary, latency, _requests)
  local made, first, last = 0, "", ""
  for index, thread in ipairs(threads) do
    made = made + (thread:get("generated") or 0)
    if index == 1 then
      first = thread:get("first_value") or ""
    end
    last = thread:get("last_value") or ""
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "seconds": %.6f, "p50_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, '
      .. '"timeout": %d}, "generated": %d, "first": %s, "last": %s}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout, made, quote(first), quote(last)
  ))
end

-- One wrk script for every page bench/web_load.py measures, set up from the environment:
--   BENCH_METHOD      GET or POST
--   BENCH_PATH        the page
--   BENCH_COOKIES     a file with one Cookie header value per line; request n uses line n (round robin), so
--                     the connections act as that many different signed-in people. Empty: no cookie.
--   BENCH_BODY        POST body; "{user}" becomes the next user number, "{key}" a key unique to the request
--   BENCH_USER_FIRST, BENCH_USER_COUNT   the range "{user}" walks through
--   BENCH_RUN         a word unique to this run, in every "{key}"
--   BENCH_EXPECT      see below
-- Every request carries what the TLS proxy in front adds (X-Forwarded-Proto) and what a browser sends with a form
-- (Origin, Referer), so CSRF and the secure-cookie settings run exactly as in production.

local counter = 0
local cookies = {}
local threads = {}
local next_id = 0

-- thread_id is a global: setup() sets it in each thread's own Lua state.
thread_id = 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("BENCH_COOKIES") or ""
  if path ~= "" then
    for line in io.lines(path) do
      if line ~= "" then table.insert(cookies, line) end
    end
  end
  -- Each thread starts at a different cookie, so the threads do not move in step through the same sessions.
  counter = thread_id * 7919
end

local method = os.getenv("BENCH_METHOD") or "GET"
local page = os.getenv("BENCH_PATH") or "/"
local body_template = os.getenv("BENCH_BODY") or ""
local user_first = tonumber(os.getenv("BENCH_USER_FIRST") or "0")
local user_count = tonumber(os.getenv("BENCH_USER_COUNT") or "1")
local run = os.getenv("BENCH_RUN") or "run"
local base_headers = {
  ["Host"] = "localhost",
  ["X-Forwarded-Proto"] = "https",
  ["Accept-Language"] = "en",
  ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
}

function request()
  counter = counter + 1
  local headers = {}
  for k, v in pairs(base_headers) do headers[k] = v end
  if #cookies > 0 then headers["Cookie"] = cookies[(counter % #cookies) + 1] end
  local body = nil
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Origin"] = "https://localhost"
    headers["Referer"] = "https://localhost" .. page
    local user = user_first + (counter % user_count)
    local key = string.format("%s-t%d-n%012d", run, thread_id, counter)
    body = body_template:gsub("{user}", tostring(user)):gsub("{key}", key)
  end
  return wrk.format(method, page, headers, body)
end

-- BENCH_EXPECT: the status every response must have (200 for a page, 302 for a sign-in); others are counted and
-- reported at the end as "Unexpected status: N", since wrk itself counts a redirect to the sign-in page as success.
local expect = tonumber(os.getenv("BENCH_EXPECT") or "")
unexpected = 0

if expect then
  function response(status, headers, body)
    if status ~= expect then unexpected = unexpected + 1 end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("unexpected") or 0) end
  io.write(string.format("Unexpected status: %d\n", total))
end

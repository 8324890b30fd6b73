"""Lua shared by every scenario: counts non-2xx per thread, prints one JSON result line."""

from __future__ import annotations

import json

RESULT_MARK = "BENCH_RESULT "

PRELUDE = r"""
-- globals, so that done() can read them from each thread with thread:get
tid = 0
counter = 0
non2xx = 0
s5xx = 0
first_error = ""
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + tid * 7919)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if status >= 500 then s5xx = s5xx + 1 end
    if first_error == "" then first_error = status .. " " .. string.sub(body or "", 1, 300) end
  end
end

function done(summary, latency, requests)
  local n, f, e = 0, 0, ""
  for _, t in ipairs(threads) do
    n = n + t:get("non2xx")
    f = f + t:get("s5xx")
    if e == "" then e = t:get("first_error") or "" end
  end
  e = (string.gsub(string.gsub(e, '[%c\\]', " "), '"', "'"))
  local x = summary.errors
  local fl = math.floor
  io.write(string.format(
    '__MARK__{"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%d,"non2xx":%d,"s5xx":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"first_error":"%s"}\n',
    summary.requests, summary.duration, fl(latency:percentile(50)),
    fl(latency:percentile(90)), fl(latency:percentile(99)), fl(latency.max),
    fl(latency.mean), n, f, x.connect, x.read, x.write, x.timeout, e))
end
""".replace("__MARK__", RESULT_MARK)


def lua_str(value: str) -> str:
    """A Lua string literal (JSON string escapes are valid Lua escapes for ASCII)."""
    return json.dumps(value, ensure_ascii=True)


def headers(token: str | None) -> str:
    lines = ['wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["X-Vault-Token"] = {lua_str(token)}')
    return "\n".join(lines) + "\n"


def static(method: str, path: str, body: str | None, token: str | None) -> str:
    """One fixed request: wrk formats it once."""
    text = f"wrk.method = {lua_str(method)}\nwrk.path = {lua_str('/v1/' + path)}\n"
    if body is not None:
        text += f"wrk.body = {lua_str(body)}\n"
    return PRELUDE + headers(token) + text


def dynamic(request_fn: str, token: str | None, **constants: str | int) -> str:
    """``request_fn`` is the Lua ``function request() … end``; constants become locals."""
    text = "".join(
        f"local {name} = {value if isinstance(value, int) else lua_str(value)}\n"
        for name, value in constants.items()
    )
    return PRELUDE + headers(token) + text + request_fn

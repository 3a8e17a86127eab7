-- wrk script for benches/run.sh: POST a stateless `tools/call whoami` with the bearer token in
-- $BENCH_TOKEN, if any (body $BENCH_BODY, header MCP-Protocol-Version $BENCH_PROTOCOL_VERSION), and print one JSON line of results at the end (latencies in microseconds).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = os.getenv("BENCH_PROTOCOL_VERSION") or "2025-06-18"
-- SEP-2243 routing headers: the 2026-07-28 transport wants them to match the body.
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "whoami"
-- An empty or unset BENCH_TOKEN sends no Authorization header: the 401 path.
local token = os.getenv("BENCH_TOKEN") or ""
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"non_2xx":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.timeout, e.status))
end

-- POST /api/hazards at random points of the region (so that almost none merge). The
-- region's box comes in through environment variables set by bench_hazards.py.
local west = tonumber(os.getenv("BENCH_WEST"))
local south = tonumber(os.getenv("BENCH_SOUTH"))
local east = tonumber(os.getenv("BENCH_EAST"))
local north = tonumber(os.getenv("BENCH_NORTH"))
local kinds = {"pothole", "surface", "glass", "flooding", "dark", "obstacle", "other"}
local severities = {"low", "medium", "high"}

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local body = string.format(
    '{"kind": "%s", "severity": "%s", "lat": %.7f, "lon": %.7f, "description": "bench"}',
    kinds[math.random(#kinds)], severities[math.random(#severities)],
    south + math.random() * (north - south), west + math.random() * (east - west))
  -- Each report from its own client (the server trusts one proxy): one client's daily
  -- report budget would refuse the rest.
  local client = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                               math.random(1, 254))
  return wrk.format("POST", "/api/hazards", {["Content-Type"] = "application/json",
                                             ["X-Forwarded-For"] = client}, body)
end

function done(summary, latency, requests)
  io.write(string.format("BENCH p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f rps=%.1f requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end

-- GET /api/venues at random points of the region, 2 km radius. The region's box comes in
-- through environment variables set by bench_web.py.
local west = tonumber(os.getenv("BENCH_WEST"))
local south = tonumber(os.getenv("BENCH_SOUTH"))
local east = tonumber(os.getenv("BENCH_EAST"))
local north = tonumber(os.getenv("BENCH_NORTH"))

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local lat = south + math.random() * (north - south)
  local lon = west + math.random() * (east - west)
  local path = string.format("/api/venues?lat=%.6f&lon=%.6f&radius=2000", lat, lon)
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  io.write(string.format("BENCH p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f rps=%.1f requests=%d errors=%d non2xx=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end

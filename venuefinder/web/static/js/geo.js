/* Flat-earth distances, exact enough within a city. */

/** Metres per degree of longitude (kx) and latitude (ky) at latitude *lat0*. */
export function metresPerDegree(lat0) {
  return { kx: 111320 * Math.cos(lat0 * Math.PI / 180), ky: 110540 };
}

function segmentDistance(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
  const x = a[0] + t * dx - p[0], y = a[1] + t * dy - p[1];
  return Math.sqrt(x * x + y * y);
}

function ringContains(p, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i], b = ring[j];
    if ((a[1] > p[1]) !== (b[1] > p[1]) &&
        p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
  }
  return inside;
}

/** Metres from *origin* ({lat, lon}) to a GeoJSON *geometry*'s outline (0 inside it). */
export function approxDistance(origin, geometry) {
  const { kx, ky } = metresPerDegree(origin.lat);
  const project = (lon, lat) => [lon * kx, lat * ky];
  const p = project(origin.lon, origin.lat);
  let best = Infinity;
  function line(coords) {
    const pts = coords.map((c) => project(c[0], c[1]));
    for (let i = 1; i < pts.length; i++) best = Math.min(best, segmentDistance(p, pts[i - 1], pts[i]));
    if (pts.length === 1) best = Math.min(best, segmentDistance(p, pts[0], pts[0]));
    return pts;
  }
  function polygon(rings) {
    const projected = rings.map(line);
    if (ringContains(p, projected[0]) &&
        !projected.slice(1).some((hole) => ringContains(p, hole))) best = 0;
  }
  const c = geometry.coordinates;
  switch (geometry.type) {
    case "Point": line([c]); break;
    case "LineString": line(c); break;
    case "MultiLineString": c.forEach(line); break;
    case "Polygon": polygon(c); break;
    case "MultiPolygon": c.forEach(polygon); break;
    default: return null;
  }
  return best === Infinity ? null : best;
}

/** Metres along the Earth's surface from *a* to *b* ({lat, lon}): right at any distance. */
export function greatCircle(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Metres from *point* ({lat, lon}) to the box *bounds* ([west, south, east, north]); 0 inside. */
export function distanceToBox(point, bounds) {
  const [west, south, east, north] = bounds;
  const nearest = { lat: Math.max(south, Math.min(north, point.lat)),
                    lon: Math.max(west, Math.min(east, point.lon)) };
  return greatCircle(point, nearest);
}

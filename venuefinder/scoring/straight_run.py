"""The longest straight run inside a polygon, kept a margin from its edge and its holes.

A geometry library of its own (shapely and numpy only), vectorised over many polygons at
once; the room criterion (:mod:`venuefinder.scoring.room`) scores what it measures.

The polygons are shrunk by the margin (:func:`shrink`: a negative buffer, holes grow by it,
thin parts vanish); then each part of a shrunk (Multi)Polygon is measured on its own, and the
best one counts (:func:`longest_chords`):

1. **Convex** (no hole, no vertex turning the other way): the longest segment is the
   longest vertex-to-vertex distance. Exact, and vectorised over all polygons.
2. **Otherwise**, the longest vertex-to-vertex distance of the convex hull bounds the
   answer; when that segment lies in the polygon it is the answer (exact).
3. **Otherwise**, a bounded search (all polygons together, in batches of
   :data:`BATCH_ROWS` rows). For a fixed direction the length of the longest chord is
   piecewise linear in the chord's offset, with breaks where the line passes a vertex,
   so scan lines just beside every vertex find the longest chord of that direction
   (:func:`_scan`). Directions tried: the hull's longest diagonal and the polygon's four
   longest edges; a fan of :data:`COARSE_DIRECTIONS`; the lines through pairs of its
   corners (a longest chord always touches two vertices: all pairs in a small polygon,
   up to :data:`PAIR_VERTICES` corners in a big one); then the :data:`SEEDS` best of the
   fan and the :data:`PAIR_SEEDS` best pairs are refined (:data:`REFINE_ROUNDS` rounds
   narrowing the step, with scan lines beside the vertices near the chord only). A
   direction along which the polygon is no longer than the best chord found is skipped.
   A polygon of more than :data:`MAX_SEARCH_VERTICES` vertices is simplified first.
   Every chord found lies in the polygon, so the search does not overestimate;
   ``bench/room_accuracy.py`` measures how far below the exact answer it stays.

The code calls each polygon a venue: that is what it measures.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

# --- the search for non-convex polygons (step 3) ---------------------------------------------
#: Directions tried on the first pass, evenly over 180°, beside the venue's own.
COARSE_DIRECTIONS = 72
#: At most this many vertices of one venue give scan lines on the first pass (a huge park
#: gets an even sample of its vertices; the refinement then uses all vertices near the line).
COARSE_LINE_VERTICES = 160
#: Best directions of the first pass refined per venue.
SEEDS = 3
#: Refinement rounds; each tries 4 directions round every seed (1 and 2 steps to either
#: side) and narrows the step 3×, from half the fan's step (1.25°) to 3e-5 rad (runs within
#: about 1 cm of exact; two more rounds gain millimetres for a quarter more time).
REFINE_ROUNDS = 6
#: Scan lines run this far beside a vertex (metres), on both sides: the longest run in a
#: direction passes a vertex (a corner it touches or ends in), so lines just beside every
#: vertex find it.
SIDE_STEP_M = 1e-4
#: Chords through pairs of corners: at most this many corners of a venue take part, and
#: fewer in a big polygon, so that its pairs × edges stay under :data:`PAIR_ROWS`. Only the
#: pairs whose segment lies in the polygon grown by :data:`PAIR_SLACK_M` are scanned (a
#: longest chord holds the two vertices it touches; the slack covers the arc vertices
#: skipped between corners).
PAIR_VERTICES = 48
PAIR_ROWS = 30_000
PAIR_SLACK_M = 0.05
#: Every this many reflex vertices round a ring is a corner for the pairs (the margin's
#: round joins turn 90° in 8 vertices: two corners per right angle).
REFLEX_STRIDE = 4
#: Best pair chords of each venue refined beside the fan's seeds.
PAIR_SEEDS = 1
#: A polygon with more vertices than this is simplified before the search, by the first of
#: these tolerances (metres) that brings it under: its run may be off by about that much.
MAX_SEARCH_VERTICES = 2_000
SIMPLIFY_STEPS_M = (0.1, 0.25, 0.5, 1.0, 2.0)
#: Scan-line rows (edges × directions) per batch, to bound memory.
BATCH_ROWS = 1_500_000
#: Relative turn below which a vertex counts as straight in the convexity test.
_CONVEX_TOLERANCE = 1e-9


def shrink(geoms: "np.ndarray", margin_m: float) -> "np.ndarray":
    """The running area: each shape *margin_m* in from its edge and out from its holes (a
    negative buffer with round joins, so that a reflex corner or a hole is kept clear by
    exactly the margin; parts thinner than twice the margin vanish)."""
    return shapely.buffer(np.asarray(geoms, dtype=object), -margin_m)


def longest_straight_run(geoms: "np.ndarray", margin_m: float) -> "np.ndarray":
    """Longest straight segment (metres) inside each polygon, at least *margin_m* from its
    edge and from its holes: :func:`longest_chords` of :func:`shrink` (see the module
    docstring for how it is found).

    Parameters
    ----------
    geoms
        Shapely Polygons/MultiPolygons in a metric CRS (other geometries give 0).
    margin_m
        Distance to keep from the edge and the holes.
    """
    return longest_chords(shrink(geoms, margin_m))


def longest_chords(shrunk: "np.ndarray") -> "np.ndarray":
    """Longest segment (metres) inside each (Multi)Polygon, already shrunk by the margin:
    the best of its parts (other geometries give 0)."""
    run = np.zeros(len(shrunk))
    parts, owner = shapely.get_parts(shrunk, return_index=True)
    polygon = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, owner = parts[polygon], owner[polygon]
    if not parts.size:
        return run
    part_run = np.zeros(parts.size)

    # 1. Convex (no hole, no vertex turning against the others): the diameter.
    candidates = np.flatnonzero(shapely.get_num_interior_rings(parts) == 0)
    xy, ring = _ring_vertices(shapely.get_exterior_ring(parts[candidates]))
    is_convex = _convex_rings(xy, ring, candidates.size)
    keep = is_convex[ring]
    # Owners renumbered 0..k-1 over the convex rings.
    part_run[candidates[is_convex]] = _diameters(xy[keep], (np.cumsum(is_convex) - 1)[
        ring[keep]], int(is_convex.sum()))[0]

    # 2. The hull's diameter, when it fits.
    other = np.setdiff1d(np.arange(parts.size), candidates[is_convex])
    if other.size:
        hull_xy, hull_owner = shapely.get_coordinates(shapely.convex_hull(parts[other]),
                                                      return_index=True)
        diameter, p, q = _diameters(hull_xy, hull_owner, other.size)
        fits = shapely.covers(parts[other], shapely.linestrings(np.stack([p, q], axis=1)))
        part_run[other[fits]] = diameter[fits]
        # 3. The search.
        if not fits.all():
            direction = np.arctan2(q[~fits, 1] - p[~fits, 1], q[~fits, 0] - p[~fits, 0])
            part_run[other[~fits]] = _search(parts[other[~fits]], direction)
    np.maximum.at(run, owner, part_run)
    return run


def _ring_vertices(rings: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Vertices of closed rings without the repeated closing vertex, and their ring index."""
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    closing = np.r_[ring[1:] != ring[:-1], True][:ring.size]
    return xy[~closing], ring[~closing]


def _groups(owner: "np.ndarray", n: int) -> tuple["np.ndarray", "np.ndarray"]:
    """Start and count of each of *n* contiguous groups of a sorted *owner* array."""
    count = np.bincount(owner, minlength=n)
    return np.cumsum(count) - count, count


def _ring_next(ring: "np.ndarray") -> "np.ndarray":
    """Index of the next vertex round each ring (vertices grouped by ring)."""
    start, count = _groups(ring, int(ring.max()) + 1 if ring.size else 0)
    pos = np.arange(ring.size) - start[ring]
    return start[ring] + (pos + 1) % count[ring]


def _diameters(xy: "np.ndarray", owner: "np.ndarray", n: int
               ) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Longest distance between two points of each of *n* point groups (contiguous by
    *owner*), and the two points. Groups are padded to a power-of-two size and compared all
    pairs at once, size class by size class."""
    length = np.zeros(n)
    p, q = np.zeros((n, 2)), np.zeros((n, 2))
    start, count = _groups(owner, n)
    size = np.where(count > 0, 2 ** np.ceil(np.log2(np.maximum(count, 1))).astype(int), 0)
    for k in np.unique(size[size > 0]):
        members = np.flatnonzero(size == k)
        step = max(1, (1 << 22) // (k * k))
        for lo in range(0, members.size, step):
            g = members[lo:lo + step]
            # Padding repeats a group's last point: it adds no new distance.
            idx = start[g, None] + np.minimum(np.arange(k), count[g, None] - 1)
            pts = xy[idx]
            d2 = ((pts[:, :, None, :] - pts[:, None, :, :]) ** 2).sum(-1)
            flat = d2.reshape(len(g), -1).argmax(axis=1)
            i, j = np.divmod(flat, k)
            rows = np.arange(len(g))
            length[g] = np.sqrt(d2[rows, i, j])
            p[g], q[g] = pts[rows, i], pts[rows, j]
    return length, p, q


def _convex_rings(xy: "np.ndarray", ring: "np.ndarray", n: int) -> "np.ndarray":
    """Whether each of *n* rings (vertices grouped by ring, not closed) is convex."""
    if not xy.size:
        return np.zeros(n, dtype=bool)
    nxt = _ring_next(ring)
    prev = np.empty_like(nxt)
    prev[nxt] = np.arange(nxt.size)
    e_in, e_out = xy - xy[prev], xy[nxt] - xy
    norm = np.hypot(*e_in.T) * np.hypot(*e_out.T)
    turn = (e_in[:, 0] * e_out[:, 1] - e_in[:, 1] * e_out[:, 0]) / np.where(norm > 0, norm, 1)
    start, count = _groups(ring, n)
    low = np.minimum.reduceat(turn, start[count > 0])
    high = np.maximum.reduceat(turn, start[count > 0])
    convex = np.zeros(n, dtype=bool)
    convex[count > 0] = (low >= -_CONVEX_TOLERANCE) | (high <= _CONVEX_TOLERANCE)
    return convex


class _Polygons:
    """Vertices and edges of a batch of polygons in local coordinates (each venue about the
    centre of its bounds, so that rounding stays far below :data:`SIDE_STEP_M`)."""

    def __init__(self, geoms: "np.ndarray") -> None:
        self.n = len(geoms)
        parts, part_owner = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        xy, ring = _ring_vertices(rings)
        self.owner = part_owner[ring_part[ring]]
        self.geoms = geoms
        bounds = shapely.bounds(geoms)
        self.centre = centre = (bounds[:, :2] + bounds[:, 2:]) / 2.0
        local = xy - centre[self.owner]
        self.x, self.y = local[:, 0], local[:, 1]
        self.next = _ring_next(ring)  # edge i runs from vertex i to vertex next[i]
        self.start, self.count = _groups(self.owner, self.n)
        self.reach = float(np.hypot(self.x, self.y).max()) + 1.0  # |offset| < reach
        hull, hull_owner = shapely.get_coordinates(shapely.convex_hull(geoms),
                                                   return_index=True)
        hull = hull - centre[hull_owner]
        self.hull_x, self.hull_y = hull[:, 0], hull[:, 1]
        self.hull_start, self.hull_count = _groups(hull_owner, self.n)
        # Reflex vertices (where the region turns away, including every vertex of a hole):
        # the region lies left of a ring that winds counter-clockwise round the outside or
        # clockwise round a hole.
        prev = np.empty_like(self.next)
        prev[self.next] = np.arange(self.next.size)
        turn = ((self.x - self.x[prev]) * (self.y[self.next] - self.y)
                - (self.y - self.y[prev]) * (self.x[self.next] - self.x))
        twice_area = np.bincount(ring, self.x * self.y[self.next] - self.x[self.next] * self.y)
        is_outer = np.r_[True, ring_part[1:] != ring_part[:-1]]
        region_left = (twice_area > 0) == is_outer
        self.reflex = np.where(region_left[ring], turn < 0, turn > 0)

    def extent(self, slot_venue: "np.ndarray", slot_theta: "np.ndarray") -> "np.ndarray":
        """Length of each slot's venue along the slot's direction: no chord is longer."""
        count = self.hull_count[slot_venue]
        row_slot = np.repeat(np.arange(slot_venue.size), count)
        vertex = (np.repeat(self.hull_start[slot_venue], count)
                  + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
        along = (self.hull_x[vertex] * np.cos(slot_theta[row_slot])
                 + self.hull_y[vertex] * np.sin(slot_theta[row_slot]))
        starts = np.cumsum(count) - count
        return np.maximum.reduceat(along, starts) - np.minimum.reduceat(along, starts)

    def offset(self, vertex: "np.ndarray", theta: "np.ndarray") -> "np.ndarray":
        """Offset of each vertex along the normal ``(−sin θ, cos θ)`` of its direction."""
        return -self.x[vertex] * np.sin(theta) + self.y[vertex] * np.cos(theta)

    def sample(self, cap: "np.ndarray", among: "np.ndarray | None" = None
               ) -> tuple["np.ndarray", "np.ndarray"]:
        """At most ``cap[v]`` vertices of each venue ``v`` (of those *among*, a mask),
        evenly spread round its rings; returns the vertices and their venues."""
        pool = np.arange(self.owner.size) if among is None else np.flatnonzero(among)
        owner = self.owner[pool]
        size = np.bincount(owner, minlength=self.n)
        j = np.arange(pool.size) - (np.cumsum(size) - size)[owner]
        m = size[owner]
        k = np.minimum(cap[owner], m)
        chosen = np.ceil(j * k / m) < (j + 1) * k / m
        return pool[chosen], owner[chosen]

    def corners(self, cap: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
        """At most ``cap[v]`` vertices of each venue where a longest chord may end or that
        it may pass: the convex vertices first, then every :data:`REFLEX_STRIDE`-th reflex
        one (a reflex corner shrunk by the margin is an arc of many vertices; the
        refinement finds the exact one). Returns the vertices and their venues, by venue."""
        convex, convex_venue = self.sample(cap, ~self.reflex)
        left = cap - np.bincount(convex_venue, minlength=self.n)
        # Reflex vertices counted within each venue, so that its corners (and its result)
        # do not depend on the other venues of the batch.
        count = np.cumsum(self.reflex)
        before = np.r_[0, count][self.start][self.owner]
        stride = self.reflex & ((count - before - 1) % REFLEX_STRIDE == 0)
        reflex, reflex_venue = self.sample(left, stride)
        vertex = np.concatenate([convex, reflex])
        venue = np.concatenate([convex_venue, reflex_venue])
        order = np.argsort(venue, kind="stable")
        return vertex[order], venue[order]


def _search(geoms: "np.ndarray", hull_direction: "np.ndarray") -> "np.ndarray":
    """Longest chord of each polygon by the bounded search (step 3 of the module docstring),
    in batches of at most about :data:`BATCH_ROWS` edge × direction rows."""
    geoms = geoms.copy()
    for tolerance in SIMPLIFY_STEPS_M:
        huge = shapely.get_num_coordinates(geoms) > MAX_SEARCH_VERTICES
        if not huge.any():
            break
        geoms[huge] = shapely.simplify(geoms[huge], tolerance, preserve_topology=True)
    edges = shapely.get_num_coordinates(geoms)
    per_venue = edges * (COARSE_DIRECTIONS + 5 + 4 * REFINE_ROUNDS * (SEEDS + PAIR_SEEDS)) \
        + PAIR_ROWS
    out = np.zeros(len(geoms))
    lo = 0
    while lo < len(geoms):
        hi = lo + max(1, int(np.searchsorted(np.cumsum(per_venue[lo:]), BATCH_ROWS)))
        out[lo:hi] = _search_batch(_Polygons(geoms[lo:hi]), hull_direction[lo:hi])
        lo = hi
    return out


def _search_batch(poly: _Polygons, hull_direction: "np.ndarray") -> "np.ndarray":
    """Longest chord found for each polygon of the batch (*hull_direction*: the direction
    of each one's hull diameter)."""
    n = poly.n
    venues = np.arange(n)
    # 1. The venue's own directions (the hull's diameter, its four longest edges), then a
    # fan of even ones, with scan lines beside every vertex. A direction along which the
    # venue is no longer than the best chord so far cannot hold a longer one: skipped.
    dx, dy = poly.x[poly.next] - poly.x, poly.y[poly.next] - poly.y
    order = np.lexsort((-np.hypot(dx, dy), poly.owner))
    rank = np.arange(order.size) - poly.start[poly.owner[order]]
    top = order[rank < 4]
    own_dir = np.repeat(hull_direction[:, None], 4, axis=1)  # fewer than 4 edges: repeat
    own_dir[poly.owner[top], rank[rank < 4]] = np.arctan2(dy[top], dx[top])
    own = np.concatenate([hull_direction[:, None], own_dir], axis=1)
    fan = np.arange(COARSE_DIRECTIONS) * (math.pi / COARSE_DIRECTIONS)
    vertex, venue = poly.sample(np.full(n, COARSE_LINE_VERTICES))
    best = np.zeros(n)
    parts = []
    for theta in (own, np.broadcast_to(fan, (n, fan.size))):
        d = theta.shape[1]
        slot = (venue[:, None] * d + np.arange(d)).ravel()
        c = poly.offset(np.repeat(vertex, d), theta.ravel()[slot])
        found = _scan(poly, theta.ravel(), np.repeat(venues, d), np.repeat(slot, 2),
                      np.repeat(c, 2) + np.tile([-SIDE_STEP_M, SIDE_STEP_M], c.size), best)
        best = np.maximum(best, found[0].reshape(n, d).max(axis=1))
        parts.append((theta, found))
    (own, own_found), (fan_theta, fan_found) = parts
    fan_len = fan_found[0].reshape(n, -1)
    # Seeds: each venue's best local maxima of the fan, and its best own directions.
    local_max = (fan_len >= np.roll(fan_len, 1, axis=1)) & (fan_len >= np.roll(fan_len, -1, 1))
    rankable = np.concatenate([np.where(local_max, fan_len, -1.0),
                               own_found[0].reshape(n, -1)], axis=1)
    picks = np.argsort(-rankable, axis=1, kind="stable")[:, :SEEDS]
    theta = np.concatenate([fan_theta, own], axis=1)
    found = [np.concatenate([f.reshape(n, -1), o.reshape(n, -1)], axis=1)
             for f, o in zip(fan_found, own_found)]
    rows = np.repeat(venues, SEEDS), picks.ravel()
    seeds = [rows[0], theta[rows]] + [f[rows] for f in found]

    # 2. Chords through pairs of corners (all of them in a small polygon, a sample in a big
    # one), nudged off the two corners to all four sides.
    pair_seeds = _pairs(poly, best)
    np.maximum.at(best, pair_seeds[0], pair_seeds[2])
    seeds = [np.concatenate(pair) for pair in zip(seeds, pair_seeds)]

    # 3. Refinement round the seeds that found a chord.
    found_one = seeds[2] > 0
    seed_venue = seeds[0][found_one]
    seed = [a[found_one] for a in seeds[1:]]
    step = math.pi / COARSE_DIRECTIONS / 2.0
    offsets = np.array([-2.0, -1.0, 1.0, 2.0])
    for _ in range(REFINE_ROUNDS):
        s_theta, s_len, s_c = seed[:3]
        new_theta = (s_theta[:, None] + step * offsets).ravel()
        # Scan lines beside the vertices near the seed's chord: the best chord of a nearby
        # direction passes one of them.
        cand, cand_seed = _near_chord(poly, seed_venue, s_theta, s_c,
                                      6.0 * step * np.maximum(s_len, 1.0) + 0.1)
        slot = (cand_seed[:, None] * offsets.size + np.arange(offsets.size)).ravel()
        c = poly.offset(np.repeat(cand, offsets.size), new_theta[slot])
        found = _scan(poly, new_theta, np.repeat(seed_venue, offsets.size),
                      np.repeat(slot, 2),
                      np.repeat(c, 2) + np.tile([-SIDE_STEP_M, SIDE_STEP_M], c.size), best)
        f_len = found[0].reshape(-1, offsets.size)
        pick = f_len.argmax(axis=1)
        better = f_len[np.arange(pick.size), pick] > s_len
        slot = np.arange(pick.size) * offsets.size + pick
        seed = [np.where(better, new[slot], old) for new, old in zip((new_theta,) + found, seed)]
        np.maximum.at(best, seed_venue, seed[1])
        step /= 3.0
    return best


def _pairs(poly: _Polygons, best: "np.ndarray") -> list["np.ndarray"]:
    """Longest chords on the lines through pairs of corners (:meth:`_Polygons.corners`)
    of each venue; returns its :data:`PAIR_SEEDS` best as seeds (venue, θ, length, offset,
    ends), for the directions not ruled out by *best* (the best chord known per venue).

    A pair ``(u, v)`` gives two directions, the line's own turned by ±η (so that it passes
    the two vertices :data:`SIDE_STEP_M` away on opposite sides), with the line through the
    pair's middle, and with lines 3 steps to either side of it (passing both vertices on the
    same side).
    """
    n = poly.n
    cap = np.clip(np.sqrt(PAIR_ROWS / np.maximum(poly.count, 1)), 8, PAIR_VERTICES).astype(int)
    vertex, venue = poly.corners(cap)
    chosen = np.bincount(venue, minlength=n)
    first = np.cumsum(chosen) - chosen
    u_all, v_all = [], []
    for r in np.unique(chosen[chosen >= 2]):
        members = np.flatnonzero(chosen == r)
        i, j = np.triu_indices(r, 1)
        base = first[members][:, None]
        u_all.append(vertex[(base + i).ravel()])
        v_all.append(vertex[(base + j).ravel()])
    if not u_all:
        empty = np.zeros(0)
        return [np.zeros(0, dtype=int), empty, empty, empty, empty, empty]
    u, v = np.concatenate(u_all), np.concatenate(v_all)
    span = np.hypot(poly.x[v] - poly.x[u], poly.y[v] - poly.y[u])
    # A longest chord holds the two vertices it touches: pairs whose segment leaves the
    # polygon are no candidates.
    shift = poly.centre[poly.owner[u]]
    segment = shapely.linestrings(np.stack([np.c_[poly.x[u], poly.y[u]] + shift,
                                            np.c_[poly.x[v], poly.y[v]] + shift], axis=1))
    slack = shapely.buffer(poly.geoms, PAIR_SLACK_M, quad_segs=2)
    shapely.prepare(slack)
    keep = (span > 4.0 * SIDE_STEP_M) & shapely.covers(slack[poly.owner[u]], segment)
    u, v, span = u[keep], v[keep], span[keep]
    pair_venue = poly.owner[u]
    eta = 2.0 * SIDE_STEP_M / span
    base_theta = np.arctan2(poly.y[v] - poly.y[u], poly.x[v] - poly.x[u])
    theta = np.stack([base_theta + eta, base_theta - eta], axis=1).ravel()
    mid_x, mid_y = (poly.x[u] + poly.x[v]) / 2.0, (poly.y[u] + poly.y[v]) / 2.0
    mid = (-np.repeat(mid_x, 2) * np.sin(theta) + np.repeat(mid_y, 2) * np.cos(theta))
    nudge = np.array([-3.0, 0.0, 3.0]) * SIDE_STEP_M
    slots = np.arange(theta.size)
    line_slot = np.concatenate([np.repeat(slots[0::2], 3), slots[1::2]])
    line_c = np.concatenate([(mid[0::2, None] + nudge).ravel(), mid[1::2]])
    found = _scan(poly, theta, np.repeat(pair_venue, 2), line_slot, line_c, best)
    slot_venue = np.repeat(pair_venue, 2)
    order = np.lexsort((-found[0], slot_venue))
    rank = np.arange(order.size) - np.searchsorted(slot_venue[order], slot_venue[order])
    top = order[(rank < PAIR_SEEDS) & (found[0][order] > 0)]
    return [slot_venue[top], theta[top]] + [a[top] for a in found]


def _near_chord(poly: _Polygons, seed_venue: "np.ndarray", theta: "np.ndarray",
                c: "np.ndarray", reach: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Vertices of each seed's venue within *reach* of the seed's chord line, with the seed
    index of each."""
    count = poly.count[seed_venue]
    seed = np.repeat(np.arange(seed_venue.size), count)
    vertex = (np.repeat(poly.start[seed_venue], count)
              + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    near = np.abs(poly.offset(vertex, theta[seed]) - c[seed]) <= reach[seed]
    return vertex[near], seed[near]


def _scan(poly: _Polygons, slot_theta: "np.ndarray", slot_venue: "np.ndarray",
          line_slot: "np.ndarray", line_c: "np.ndarray", beat: "np.ndarray"
          ) -> tuple["np.ndarray", "np.ndarray", "np.ndarray", "np.ndarray"]:
    """Longest chord per *slot* (a venue and a direction θ) over the given scan lines, for
    the slots along which the venue is longer than ``beat[venue]`` (the best chord known:
    the others are left at 0, as they cannot beat it).

    A scan line runs in its slot's direction at offset ``c`` along the normal
    ``(−sin θ, cos θ)``. An edge crosses the lines whose offset lies in ``[low end, high
    end)`` of the edge's; sorting the crossings along each line pairs them into the chords
    inside the polygon (even–odd rule: holes and the parts of a MultiPolygon need nothing
    special).

    Returns, per slot, the longest chord's length, its line's offset and its two ends as
    positions along the direction (all 0 when no line meets the polygon).
    """
    lengths = np.zeros(slot_theta.size)
    best_c, best_x0, best_x1 = np.zeros_like(lengths), np.zeros_like(lengths), \
        np.zeros_like(lengths)
    hopeful = (poly.extent(slot_venue, slot_theta) > beat[slot_venue] if beat.any()
               else np.ones(slot_theta.size, dtype=bool))
    if not hopeful.all():
        kept = np.flatnonzero(hopeful)
        renumber = np.full(slot_theta.size, -1)
        renumber[kept] = np.arange(kept.size)
        lines = hopeful[line_slot]
        found = _scan(poly, slot_theta[kept], slot_venue[kept], renumber[line_slot[lines]],
                      line_c[lines], beat) if kept.size else ()
        for whole, part in zip((lengths, best_c, best_x0, best_x1), found):
            whole[kept] = part
        return lengths, best_c, best_x0, best_x1
    n_slots = slot_theta.size
    sin, cos = np.sin(slot_theta), np.cos(slot_theta)
    # Lines sorted by a key that orders them by slot, then by offset.
    scale = 2.0 * poly.reach
    key = line_slot + (line_c + poly.reach) / scale
    order = np.argsort(key, kind="stable")
    key, line_c, line_slot = key[order], line_c[order], line_slot[order]

    # Vertex × slot rows: every vertex of the slot's venue in the slot's frame. Edge i of a
    # row runs to vertex next[i], whose row is as far on.
    count = poly.count[slot_venue]
    row_slot = np.repeat(np.arange(n_slots), count)
    vertex = (np.repeat(poly.start[slot_venue], count)
              + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    s, k = sin[row_slot], cos[row_slot]
    along, off = poly.x[vertex] * k + poly.y[vertex] * s, -poly.x[vertex] * s + poly.y[vertex] * k
    b = np.arange(vertex.size) + poly.next[vertex] - vertex
    # Lines below each vertex: an edge crosses those from its low end's count to its high
    # end's (the same float offset per vertex and slot, so every ring crosses every line an
    # even number of times).
    below = np.searchsorted(key, row_slot + (off + poly.reach) / scale)
    first, stop = np.minimum(below, below[b]), np.maximum(below, below[b])
    hits = stop - first
    total = int(hits.sum())
    if not total:
        return lengths, best_c, best_x0, best_x1
    edge = np.flatnonzero(hits)
    hits, first = hits[edge], first[edge]
    ya, yb, xa, xb = off[edge], off[b[edge]], along[edge], along[b[edge]]
    slope = (xb - xa) / (yb - ya)
    row = np.repeat(np.arange(edge.size), hits)
    line = np.repeat(first - (np.cumsum(hits) - hits), hits) + np.arange(total)
    x = xa[row] + (line_c[line] - ya[row]) * slope[row]
    # Crossings in order along each line: one sort on line + position (the key resolves
    # positions to ~1e-6 m, far below any chord's length). Stable, as it comes in long
    # ascending runs (each edge's lines in order) that a merge sort takes whole: on
    # Helsinki x100 these sorts take 0.42 s where the default quicksort took 1.49 s.
    order = np.argsort(line + (x + poly.reach) / (scale * (1.0 + 1e-9)), kind="stable")
    x, line = x[order], line[order]
    x0, x1, chord_line = x[0::2], x[1::2], line[0::2]
    chord = x1 - x0
    chord_slot = line_slot[chord_line]  # sorted, as the lines are
    starts = np.flatnonzero(np.r_[True, chord_slot[1:] != chord_slot[:-1]])
    group = np.cumsum(np.r_[True, chord_slot[1:] != chord_slot[:-1]]) - 1
    is_best = chord == np.maximum.reduceat(chord, starts)[group]
    best = np.flatnonzero(is_best)
    best = best[np.r_[True, group[best][1:] != group[best][:-1]]]  # the first of ties
    hit_slot = chord_slot[best]
    lengths[hit_slot] = chord[best]
    best_c[hit_slot] = line_c[chord_line[best]]
    best_x0[hit_slot], best_x1[hit_slot] = x0[best], x1[best]
    return lengths, best_c, best_x0, best_x1

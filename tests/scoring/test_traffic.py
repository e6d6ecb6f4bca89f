import numpy as np
import pytest
from shapely.geometry import LineString

from venuefinder.scoring.traffic import score_traffic
from venuefinder.vocabulary.roads import ROAD_CLASSES

from .conftest import X0, Y0, field_square, make_roads, make_venues, road_east_of_field


def test_field_beside_primary_road_scores_low_and_names_it(context_for):
    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"name": "Mannerheimintie", "road_class": "primary", "maxspeed_kmh": 50.0,
                        "geometry": road_east_of_field(10.0)})
    result = score_traffic(venues, context_for(roads))
    # primary: safe at 200 m, floor 0 → 10 m gives 5.
    assert result.loc[0, "score"] == pytest.approx(5.0)
    assert result.loc[0, "reason"] == "Mannerheimintie (primary road, 50 km/h) is 10 m away"


def test_field_400_m_from_primary_road_is_safe(context_for):
    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"name": "Mannerheimintie", "road_class": "primary", "maxspeed_kmh": 50.0,
                        "geometry": road_east_of_field(400.0)})
    result = score_traffic(venues, context_for(roads))
    assert result.loc[0, "score"] == 100.0
    assert "nearest motor road, Mannerheimintie (primary road, 50 km/h), is 400 m away" in \
        result.loc[0, "reason"]


def test_faster_road_reaches_further(context_for):
    venues = make_venues({"geometry": field_square()})
    slow = make_roads({"road_class": "primary", "maxspeed_kmh": 50.0,
                       "geometry": road_east_of_field(100.0)})
    fast = make_roads({"road_class": "primary", "maxspeed_kmh": 80.0,
                       "geometry": road_east_of_field(100.0)})
    slow_score = score_traffic(venues, context_for(slow)).loc[0, "score"]
    fast_score = score_traffic(venues, context_for(fast)).loc[0, "score"]
    assert slow_score == pytest.approx(50.0)           # 100 / 200
    assert fast_score == pytest.approx(100 * 100 / 320, abs=0.06)  # safe at 200 * 80/50 m
    assert fast_score < slow_score


def test_worst_class_wins_not_the_nearest_road(context_for):
    venues = make_venues({"geometry": field_square()})
    roads = make_roads(
        {"name": "Quiet lane", "road_class": "service", "geometry": road_east_of_field(5.0)},
        {"name": "Big road", "road_class": "primary", "geometry": road_east_of_field(40.0)},
    )
    result = score_traffic(venues, context_for(roads))
    service = ROAD_CLASSES["service"]
    service_score = service.floor + (100 - service.floor) * 5 / service.safe_distance_m
    assert service_score > 20.0
    assert result.loc[0, "score"] == pytest.approx(20.0)  # primary: 40 / 200
    assert result.loc[0, "reason"].startswith("Big road (primary road)")


def test_road_through_the_venue_is_zero_distance(context_for):
    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"road_class": "residential", "geometry": road_east_of_field(-50.0)})
    result = score_traffic(venues, context_for(roads))
    assert result.loc[0, "score"] == ROAD_CLASSES["residential"].floor
    assert "runs along or through it (0 m)" in result.loc[0, "reason"]


def test_many_venues_scored_in_one_pass(context_for):
    venues = make_venues(*[{"geometry": field_square(dx=-300.0 * i)} for i in range(5)])
    roads = make_roads({"road_class": "secondary", "geometry": road_east_of_field(0.0)})
    result = score_traffic(venues, context_for(roads))
    # The first field touches the road (secondary floor 5); the others are 300 m or more
    # away, beyond secondary's 150 m safe distance.
    expected = [5.0] + [100.0] * 4
    assert result["score"].tolist() == pytest.approx(expected)
    assert list(result.index) == list(venues.index)


def test_no_roads_at_all(context_for):
    venues = make_venues({"geometry": field_square()})
    result = score_traffic(venues, context_for())
    assert result.loc[0, "score"] == 100.0
    assert result.loc[0, "reason"] == "No road with motor traffic is mapped nearby"


@pytest.mark.parametrize("chunk", [10_000, 7])
def test_vectorised_scores_match_brute_force(context_for, monkeypatch, chunk):
    """Random fields and roads: the STRtree scores (chunked, floor-skipping) equal a plain
    per-venue minimum over every road."""
    import shapely

    import venuefinder.scoring.traffic as traffic

    monkeypatch.setattr(traffic, "_CHUNK", chunk)
    rng = np.random.default_rng(7)
    venues = make_venues(*[{"geometry": field_square(size=rng.uniform(10, 80),
                                                     dx=rng.uniform(-2000, 2000))}
                           for _ in range(40)])
    classes = list(ROAD_CLASSES)
    roads = make_roads(*[{"road_class": classes[rng.integers(len(classes))],
                          "maxspeed_kmh": rng.choice([np.nan, 30.0, 80.0]),
                          "geometry": road_east_of_field(rng.uniform(-2000, 2000))}
                         for _ in range(60)])
    result = score_traffic(venues, context_for(roads))
    for i, venue in enumerate(venues.geometry):
        expected = 100.0
        for road in roads.itertuples():
            d = shapely.distance(venue, road.geometry)
            rule = ROAD_CLASSES[road.road_class]
            safe = traffic.safe_distance(road.road_class, np.array([road.maxspeed_kmh]))[0]
            expected = min(expected, rule.floor + (100 - rule.floor) * min(d / safe, 1.0))
        assert result.loc[i, "score"] == pytest.approx(expected, abs=0.051)


def test_reason_names_the_mapped_class_not_its_group(context_for):
    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"name": "Pikkutie", "highway": "unclassified",
                        "road_class": "residential", "geometry": road_east_of_field(20.0)})
    assert score_traffic(venues, context_for(roads)).loc[0, "reason"] == \
        "Pikkutie (minor road) is 20 m away"


@pytest.mark.parametrize("highway, said", [
    ("unclassified", "A minor road (30 km/h) is 20 m away"),
    ("living_street", "A living street (30 km/h) is 20 m away"),
    ("primary_link", "A primary slip road (30 km/h) is 20 m away"),
    ("service", "A service road (30 km/h) is 20 m away"),
])
def test_reason_says_an_unnamed_road_in_plain_words(context_for, highway, said):
    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"highway": highway, "road_class": "residential",
                        "maxspeed_kmh": 30.0, "geometry": road_east_of_field(20.0)})
    assert score_traffic(venues, context_for(roads)).loc[0, "reason"] == said


def _fence_around(size: float = 100.0, gap: float = 2.0) -> LineString:
    return LineString([(X0 - gap, Y0 - gap), (X0 + size + gap, Y0 - gap),
                       (X0 + size + gap, Y0 + size + gap), (X0 - gap, Y0 + size + gap),
                       (X0 - gap, Y0 - gap)])


def _context(roads, barriers=None, enclosures=None):
    from venuefinder.config import Settings
    from venuefinder.scoring import ScoringContext

    return ScoringContext(crs="EPSG:3067", roads=roads, settings=Settings(),
                          barriers=barriers, enclosures=enclosures)


def test_a_fenced_pitch_beside_a_primary_road_is_separated_from_it():
    import geopandas as gpd

    from venuefinder.scoring.traffic import SEPARATED_FLOOR_RISE

    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"name": "Duxgass", "road_class": "primary", "maxspeed_kmh": 50.0,
                        "geometry": road_east_of_field(10.0)})
    fence = gpd.GeoDataFrame({"id": ["way/9"], "barrier": ["fence"]},
                             geometry=[_fence_around()], crs="EPSG:3067")
    open_field = score_traffic(venues, _context(roads)).loc[0]
    fenced = score_traffic(venues, _context(roads, barriers=fence)).loc[0]
    floor = SEPARATED_FLOOR_RISE * 100.0  # primary's floor is 0
    assert fenced["score"] == pytest.approx(floor + (100 - floor) * 10 / 200)
    assert fenced["score"] > open_field["score"]
    assert fenced["reason"] == "Duxgass (primary road, 50 km/h) is 10 m away, behind a fence"


def test_a_fence_on_one_side_only_does_not_ring_the_venue():
    import geopandas as gpd

    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"road_class": "primary", "geometry": road_east_of_field(10.0)})
    one_side = gpd.GeoDataFrame({"id": ["way/9"], "barrier": ["fence"]}, geometry=[
        LineString([(X0 + 102, Y0), (X0 + 102, Y0 + 100)])], crs="EPSG:3067")
    result = score_traffic(venues, _context(roads, barriers=one_side)).loc[0]
    assert result["score"] == pytest.approx(5.0)
    assert "fence" not in result["reason"]


def test_a_pitch_inside_a_stadium_is_separated_and_says_so():
    import geopandas as gpd

    venues = make_venues({"geometry": field_square()})
    roads = make_roads({"road_class": "residential", "geometry": road_east_of_field(5.0)})
    stadium = gpd.GeoDataFrame({"id": ["way/77"], "leisure": ["stadium"],
                                "name": ["Rheinpark Stadion"]},
                               geometry=[field_square(140.0, dx=-20.0)], crs="EPSG:3067")
    result = score_traffic(venues, _context(roads, enclosures=stadium)).loc[0]
    assert result["reason"].endswith("is 5 m away, inside Rheinpark Stadion")
    assert result["evidence"] == "measured"
    # The stadium itself as a venue is not "inside" itself.
    self_venue = make_venues({"id": "way/77", "geometry": field_square(140.0, dx=-20.0),
                              "kind": "stadium"})
    assert "inside" not in score_traffic(self_venue, _context(roads, enclosures=stadium)
                                         ).loc[0, "reason"]

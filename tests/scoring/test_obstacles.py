"""score_obstacles: what stands inside a venue, counted from hand-placed features."""

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

from venuefinder.config import Settings
from venuefinder.scoring import ScoringContext
from venuefinder.scoring.obstacles import COURT_CAP, COURT_COMBINED_CAP, PENALTIES, score_obstacles
from venuefinder.vocabulary.priors import KIND_PRIORS

from .conftest import CRS, X0, Y0, field_square, make_roads, make_venues


def obstacles(*rows: tuple[str, object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"node/{i}" for i in range(len(rows))],
                             "category": [c for c, _ in rows],
                             "name": [None] * len(rows)},
                            geometry=[g for _, g in rows], crs=CRS)


def score(venues, found=None):
    context = ScoringContext(crs=CRS, roads=make_roads(), settings=Settings(),
                             obstacles=found)
    return score_obstacles(venues, context)


def test_nothing_mapped_is_said_and_scored_by_a_prior():
    result = score(make_venues({"geometry": field_square(), "kind": "park"}), obstacles())
    assert result.loc[0, "score"] == KIND_PRIORS["park"].obstacles.score
    assert result.loc[0, "evidence"] == "prior"
    assert result.loc[0, "reason"].startswith("None mapped;")
    assert result.loc[0, "obstacle_count"] == 0


def test_trees_and_crossing_paths_are_counted_in_the_reason():
    trees = [("tree", Point(X0 + 10 + 4 * i, Y0 + 50)) for i in range(18)]
    paths = [("footpath", LineString([(X0 - 10, Y0 + 20), (X0 + 110, Y0 + 20)])),
             ("footpath", LineString([(X0 + 30, Y0 - 10), (X0 + 30, Y0 + 110)]))]
    venues = make_venues({"geometry": field_square(), "kind": "park"})
    result = score(venues, obstacles(*trees, *paths))
    assert result.loc[0, "reason"] == "2 footpaths cross it and 18 trees"
    assert result.loc[0, "evidence"] == "tagged"
    assert result.loc[0, "obstacle_count"] == 20
    # 100 m square: 10 000 m², density factor sqrt(5000/10000).
    expected = KIND_PRIORS["park"].obstacles.score - (PENALTIES["footpath"] * 2 ** 0.5
                                    + PENALTIES["tree"] * 18 ** 0.5) * 0.5 ** 0.5
    assert result.loc[0, "score"] == pytest.approx(max(expected, 0), abs=0.1)


def test_a_fence_along_the_edge_does_not_stand_in_the_venue():
    ring = LineString([(X0 - 1, Y0 - 1), (X0 + 101, Y0 - 1), (X0 + 101, Y0 + 101),
                       (X0 - 1, Y0 + 101), (X0 - 1, Y0 - 1)])
    across = LineString([(X0 + 50, Y0), (X0 + 50, Y0 + 100)])
    venues = make_venues({"geometry": field_square(), "kind": "pitch"})
    assert score(venues, obstacles(("fence", ring))).loc[0, "obstacle_count"] == 0
    inside = score(venues, obstacles(("fence", across)))
    assert inside.loc[0, "obstacle_count"] == 1
    assert inside.loc[0, "reason"] == "1 fence"


def test_the_same_obstacles_weigh_more_on_a_small_lawn():
    lamps = [("lamp", Point(X0 + 15, Y0 + 15)), ("lamp", Point(X0 + 25, Y0 + 25))]
    small = make_venues({"geometry": field_square(40.0), "kind": "grass"})
    big = make_venues({"geometry": field_square(200.0), "kind": "grass"})
    assert score(small, obstacles(*lamps)).loc[0, "score"] < \
        score(big, obstacles(*lamps)).loc[0, "score"]


def test_a_tennis_court_has_a_net_across_it():
    venues = make_venues({"geometry": box(X0, Y0, X0 + 36, Y0 + 18), "kind": "pitch",
                          "sport": "tennis"},
                         {"geometry": box(X0, Y0, X0 + 36, Y0 + 18), "kind": "pitch",
                          "sport": "soccer"})
    result = score(venues, obstacles())
    assert result.loc[0, "score"] == COURT_CAP
    assert result.loc[0, "reason"] == "A net crosses the tennis court"
    assert result.loc[0, "evidence"] == "tagged"
    assert result.loc[0, "cap"] == COURT_COMBINED_CAP < 50
    assert result.loc[1, "score"] == KIND_PRIORS["pitch"].obstacles.score
    assert result.loc[1, "cap"] == float("inf")


@pytest.mark.parametrize("sport, reason, note", [
    ("streetball", "A hoop on a post stands at each end of the streetball court",
     "its hoops' posts stand"),
    ("soccer;basketball", "A hoop on a post stands at each end of the basketball court",
     "its hoops' posts stand"),
    ("beachvolleyball", "A net crosses the beach volleyball court", "its net stands"),
    ("beach_volleyball", "A net crosses the beach volleyball court", "its net stands"),
    ("netball", "A hoop on a post stands at each end of the netball court",
     "its hoops' posts stand"),
    ("padel", "A net crosses the padel court", "its net stands"),
    ("table_tennis", "A net crosses the table tennis court", "its net stands"),
    ("squash", "Walls close the squash court in", "its walls stand"),
])
def test_every_court_says_what_stands_on_it_and_stays_below_50(sport, reason, note):
    court = make_venues({"geometry": box(X0, Y0, X0 + 28, Y0 + 15), "kind": "pitch",
                         "sport": sport})
    result = score(court, obstacles(("bench", Point(X0 + 10, Y0 + 7)))).loc[0]
    assert result["reason"] == f"{reason} and 1 bench"
    assert result["score"] <= COURT_CAP and result["cap"] < 50
    assert result["cap_note"].startswith(f"A court: {note} in a backward runner's way")
    assert "=" not in result["reason"] + result["cap_note"]


def test_a_line_track_gets_its_lanes():
    track = LineString([(X0, Y0), (X0 + 100, Y0)])
    venues = make_venues({"geometry": track, "kind": "track"})
    result = score(venues, obstacles(("bollard", Point(X0 + 50, Y0 + 0.5)),
                                     ("bollard", Point(X0 + 50, Y0 + 10))))
    assert result.loc[0, "obstacle_count"] == 1


def test_a_line_track_s_lanes_come_from_its_lanes_tag():
    track = LineString([(X0, Y0), (X0 + 100, Y0)])
    venues = make_venues({"geometry": track, "kind": "track", "lanes": "8"},
                         {"geometry": track, "kind": "track"})
    result = score(venues, obstacles(("bollard", Point(X0 + 50, Y0 + 2.7))))
    # 8 lanes reach 4.9 m either side of the line, four lanes 2.5 m; less the edge margin.
    assert list(result["obstacle_count"]) == [1, 0]


def test_no_obstacle_frame_at_all():
    result = score(make_venues({"geometry": field_square(), "kind": "track"}), None)
    assert result.loc[0, "score"] == KIND_PRIORS["track"].obstacles.score
    assert list(result.columns) == ["score", "reason", "evidence", "obstacle_count", "cap",
                                    "cap_note"]

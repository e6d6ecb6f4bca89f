"""A sweep over real regions: every sentence a runner reads is plain words (no raw OSM tag),
says "guess" at most once, and every venue has a label of its own.

Regions: the embedded Helsinki extract, and Andorra and North Bayreuth from ../shared when
they are there (listed only when present, so a clone without them runs the rest).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from venuefinder.config import Settings, embedded_extract
from venuefinder.criteria import REGISTRY
from venuefinder.live import region_with_live
from venuefinder.prepare import prepare_region
from venuefinder.routes import find_loops, load_or_build_graph, routes_feature_collection
from venuefinder.scoring.hazards import NO_REPORTS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm"
REGIONS = [embedded_extract(), *(p for p in (SHARED / "andorra-latest.osm.pbf",
                                             SHARED / "north-bayreuth.osm.gz") if p.exists())]
#: What a raw tag looks like in a sentence: ``barrier=gate``, ``living_street``, and the
#: article before a raw class (``a unclassified road``).
RAW = re.compile(r"\w+=\w+|[^\W\d_]_[^\W\d_]|\ba (?:unclassified|[aei]\w)")


@pytest.fixture(scope="module", params=REGIONS, ids=lambda p: p.name.split(".")[0])
def venues(request, tmp_path_factory: pytest.TempPathFactory):
    settings = Settings(source=str(request.param), tiles="none",
                        cache_dir=tmp_path_factory.mktemp("regions"))
    return region_with_live(prepare_region(settings), settings).venues


#: Every sentence column a runner reads: the criteria's reasons, the ranking note, the
#: meeting point's reason.
COLUMNS = [*(f"reason_{c.name}" for c in REGISTRY), "note", "meeting_reason"]


def texts(venues, column: str) -> list[str]:
    return [str(t) for t in venues[column].dropna()]


@pytest.mark.parametrize("column", COLUMNS)
def test_no_raw_tags_in_sentences(venues, column: str) -> None:
    assert not sorted({t for t in texts(venues, column) if RAW.search(t)})[:3]


@pytest.mark.parametrize("column", COLUMNS)
def test_guess_is_said_at_most_once(venues, column: str) -> None:
    assert not sorted({t for t in texts(venues, column) if t.lower().count("guess") > 1})[:3]


def test_nothing_reported_is_not_called_a_guess(venues) -> None:
    assert set(venues["reason_hazards"]) == {NO_REPORTS}
    assert "guess" not in NO_REPORTS


def test_every_venue_has_a_label_of_its_own(venues) -> None:
    labels = venues["label"].tolist()
    assert all(isinstance(label, str) and label.strip() for label in labels)
    assert not [label for label in labels if "unnamed" in label.lower()]
    assert len(set(labels)) == len(labels)


def test_route_sentences_are_plain_words(tmp_path: Path) -> None:
    """Loops from the middle of the embedded extract: their reasons and warnings too."""
    graph = load_or_build_graph(Settings(cache_dir=tmp_path))
    said = []
    for length in (1_000.0, 3_000.0):
        loops = routes_feature_collection(find_loops(graph, 60.1699, 24.9384, length))
        assert loops["features"]
        for feature in loops["features"]:
            said += [*feature["properties"]["reasons"].values(),
                     *feature["properties"]["warnings"]]
    assert len(said) > 10
    assert not [text for text in said if RAW.search(text)][:3]

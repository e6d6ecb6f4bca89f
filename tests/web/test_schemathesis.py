"""schemathesis against the app's own OpenAPI document: every operation, data that fits the
document (positive) and data that breaks it (negative), through the WSGI interface, with
the app's store on SQLite and on PostgreSQL (where text that SQLite takes, such as a NUL,
could fail).

Each answer must conform to the document (a documented status, a body matching its schema,
the documented content type), never be a 5xx, accept what the document allows and refuse
what it forbids. Two allowances: ``/api/basemap`` may refuse a box the schema cannot
describe (west < east, south < north, at most 0.5 degrees: JSON Schema has no relations
between array items), with exactly those messages; and a session's create or edit may be
refused (400, with the store's reason) for what only the calendar and the venue decide: a
start in the past or a day that does not exist, a meeting point too far from the venue, a
plan longer than the session, or a check that refuses the venue.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional

import pytest
from flask import Flask

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402 (after the import check)
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402

from venuefinder.web import create_app  # noqa: E402

from .conftest import web_settings  # noqa: E402
from .regions import tiny_region  # noqa: E402
from .test_no_loss import empty_store_url  # noqa: E402

#: Examples per operation and generation phase; about 2,300 requests in all, 20 s.
MAX_EXAMPLES = 500
#: What ``/api/basemap`` may answer to a box that fits the schema (see the module's text).
BOX_RELATIONS = ("bbox must have west < east and south < north",
                 "bbox is wider than 0.5 degrees; zoom in")

#: Session writes whose valid-looking data the calendar or the venue may refuse.
SESSION_RULES = {("POST", "/api/sessions"), ("PATCH", "/api/sessions/{slug}")}
#: What the PostgreSQL run starts without.
TABLES = "hazard_votes, hazards, session_signups, club_sessions, clubs"


def make_app(database: str) -> Flask:
    """The app on the tiny region with its store on *database* ("sqlite": a new file in a
    new folder each run, so that no store left by an earlier run leaks in; "postgresql": the
    store tests' database, emptied, skipped without it)."""
    folder = Path(tempfile.mkdtemp(prefix="venuefinder-schemathesis-"))
    return create_app(web_settings(folder, database_url=empty_store_url(database, folder,
                                                                       TABLES)),
                      tiny_region())


class PostgresApp:
    """The app on PostgreSQL as a WSGI callable, made on first use: collecting the tests
    touches no database, and the run skips (fails under CI=true) without one."""

    def __init__(self) -> None:
        self.app: Optional[Flask] = None

    def ready(self) -> None:
        if self.app is None:
            self.app = make_app("postgresql")

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        self.ready()
        return self.app(environ, start_response)


# The document's own operation is left out by default; every path is selected instead.
SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", make_app("sqlite")) \
    .include(path_regex="^/")
SCHEMA.config.generation.update(max_examples=MAX_EXAMPLES)
#: The same document, answered by the app on PostgreSQL.
POSTGRES = PostgresApp()
POSTGRES_SCHEMA = schemathesis.openapi.from_dict(SCHEMA.raw_schema).include(path_regex="^/")
POSTGRES_SCHEMA.app = POSTGRES
POSTGRES_SCHEMA.location = SCHEMA.location
POSTGRES_SCHEMA.config.generation.update(max_examples=MAX_EXAMPLES)
HYPOTHESIS = settings(deadline=None, database=None, print_blob=True,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def conforms(case) -> None:
    """The checks of one case (see the module's text for the two allowances)."""
    if (case.method, case.path) in SESSION_RULES:
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        if case.meta.generation.mode.is_positive and response.status_code == 400:
            assert response.json()["message"], response.text
        return
    if case.path != "/api/basemap":
        case.call_and_validate()
        return
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    if case.meta.generation.mode.is_positive and response.status_code != 200:
        assert response.status_code == 400, response.text
        assert response.json()["message"] in BOX_RELATIONS, response.text


@SCHEMA.parametrize()
@HYPOTHESIS
def test_every_answer_conforms_to_the_document(case) -> None:
    conforms(case)


@POSTGRES_SCHEMA.parametrize()
@HYPOTHESIS
def test_every_answer_conforms_to_the_document_on_postgresql(case) -> None:
    POSTGRES.ready()
    conforms(case)


def _drawn(operation, mode: GenerationMode, wanted: int) -> int:
    """How many cases of *mode* schemathesis draws for *operation* when asked for *wanted*."""
    drawn = 0

    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=wanted, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def draw(case) -> None:
        nonlocal drawn
        drawn += 1

    try:
        draw()
    except Unsatisfiable:  # every draw was filtered out: none of this kind
        pass
    return drawn


def test_every_operation_got_both_kinds_of_data() -> None:
    """Guards the run above: a schema change can leave an operation without positive data
    (schemathesis drops path values holding a slash unless an example shows one). It draws
    the run's data itself, so it holds whichever tests run and in whatever order."""
    operations = {op.path: op for op in (result.ok() for result in SCHEMA.get_all_operations())
                  if op.method.upper() == "GET"}
    with_parameters = ("/api/venues", "/api/venues/{venue_id}", "/api/places", "/api/basemap",
                       "/api/routes/loop", "/api/routes/loop.gpx", "/api/routes/to")
    for path in with_parameters:
        assert _drawn(operations[path], GenerationMode.POSITIVE, 50) >= 50, path
        assert _drawn(operations[path], GenerationMode.NEGATIVE, 10) >= 10, path
    for path in ("/", "/api/openapi.json"):
        assert _drawn(operations[path], GenerationMode.POSITIVE, 1) >= 1, path

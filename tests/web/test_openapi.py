"""The OpenAPI document: valid OpenAPI 3.1, exactly the app's routes, and true of responses."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .test_api import NEAR

openapi_spec_validator = pytest.importorskip(
    "openapi_spec_validator", reason="openapi-spec-validator is not installed")


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_document_is_valid_openapi(document: dict[str, Any]) -> None:
    openapi_spec_validator.validate(document)
    assert document["openapi"].startswith("3.")


def _rule_to_path(rule: str) -> str:
    """Flask's ``/api/venues/<path:venue_id>`` → OpenAPI's ``/api/venues/{venue_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_document_describes_exactly_the_url_map(app: Flask, document: dict[str, Any]) -> None:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # files, not an API
        methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
        routes.setdefault(_rule_to_path(rule.rule), set()).update(methods)
    documented = {path: set(item) - {"parameters"} for path, item in document["paths"].items()}
    assert documented == routes


def test_path_parameters_match_the_rules(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


def test_query_parameters_are_the_ones_the_views_read(document: dict[str, Any]) -> None:
    def query_names(path: str) -> set[str]:
        return {p["name"] for p in document["paths"][path]["get"].get("parameters", [])
                if p["in"] == "query"}

    assert query_names("/api/venues") == {"lat", "lon", "radius", "limit", "min_score", "kind"}
    assert query_names("/api/places") == {"q", "limit"}
    assert query_names("/api/basemap") == {"bbox"}


def test_limits_in_the_document_come_from_settings(make_app) -> None:
    document = make_app(max_radius_m=5000, max_limit=50, default_limit=7).test_client().get(
        "/api/openapi.json").get_json()
    params = {p["name"]: p["schema"] for p in
              document["paths"]["/api/venues"]["get"]["parameters"]}
    assert params["radius"]["maximum"] == 5000
    assert params["limit"]["maximum"] == 50 and params["limit"]["default"] == 7


def _validator(document: dict[str, Any], name: str):
    """A JSON-schema validator for ``components/schemas/<name>`` resolving the document's refs."""
    from openapi_schema_validator import OAS31Validator

    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return OAS31Validator(schema)


@pytest.mark.parametrize("url, schema, status", [
    (f"/api/venues?{NEAR}&radius=20000", "VenueCollection", 200),
    ("/api/venues", "VenueCollection", 200),
    ("/api/venues/way/3", "VenueFeature", 200),
    ("/api/venues/relation/4", "VenueFeature", 200),
    ("/api/places?q=ka", "Places", 200),
    ("/api/basemap?bbox=24.9,60.15,25.0,60.2", "BasemapCollection", 200),
    ("/api/venues?lat=100&lon=0", "Error", 400),
    ("/api/venues/way/999", "Error", 404),
    ("/api/nope", "Error", 404),
])
def test_responses_match_their_schemas(client: FlaskClient, document: dict[str, Any], url: str,
                                       schema: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    errors = sorted(_validator(document, schema).iter_errors(response.get_json()), key=str)
    assert not errors, [e.message for e in errors[:3]]


def test_every_documented_status_has_json_errors(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/Error", (path, status)

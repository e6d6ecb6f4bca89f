"""The OpenAPI document: valid OpenAPI 3.1, exactly the app's routes, generated from the
views' own models (and the criteria registry), and true of responses."""

from __future__ import annotations

import re
import sys
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify
from flask.testing import FlaskClient
from pydantic import Field

from venuefinder.criteria import CRITERIA, EVIDENCE, REGISTRY
from venuefinder.web.models import (CRITERION_PROPERTIES, LIMITS_KEY, PY_WHITESPACE, Error,
                                    Latitude, RequestModel, VenuePath)
from venuefinder.web.openapi import openapi_document, operation

from .test_api import NEAR, assert_error

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
        for op in item.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


def test_query_parameters_are_the_ones_the_views_read(document: dict[str, Any]) -> None:
    def query_names(path: str) -> set[str]:
        return {p["name"] for p in document["paths"][path]["get"].get("parameters", [])
                if p["in"] == "query"}

    assert query_names("/api/venues") == {"point", "radius", "limit", "min_score",
                                          "min_confidence", "kind"}
    assert query_names("/api/places") == {"q", "limit"}
    assert query_names("/api/basemap") == {"bbox"}
    # `point` is form-exploded: on the wire it is lat=…&lon=…, both or neither.
    point = next(p for p in document["paths"]["/api/venues"]["get"]["parameters"]
                 if p["name"] == "point")
    assert (point["style"], point["explode"], point.get("required", False)) == ("form", True,
                                                                              False)
    schema = document["components"]["schemas"]["Point"]
    assert set(schema["properties"]) == set(schema["required"]) == {"lat", "lon"}


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
    ("/api/venues?lat=60.17", "Error", 400),
    ("/api/venues?kind=", "Error", 400),
    ("/api/basemap?bbox=", "Error", 400),
    ("/api/venues/way/" + "1" * 21, "Error", 400),
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
    """The API answers errors in JSON; only the session and club pages answer them as pages."""
    for path, item in document["paths"].items():
        for op in item.values():
            page = "pages" in op.get("tags", ())
            for status, response in op["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                if page:
                    assert list(response["content"]) == ["text/html"], (path, status)
                else:  # Error, or a model of its own extending it (a 404 naming more)
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
                    error = document["components"]["schemas"]["Error"]
                    assert schema["properties"].items() >= error["properties"].items(), (
                        path, status)
                    assert set(schema["required"]) == set(error["required"]), (path, status)
                    assert schema["additionalProperties"] is False, (path, status)


def _parameter_schema(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    parameter = next(p for p in document["paths"][path]["get"]["parameters"]
                     if p["name"] == name)
    return {**parameter["schema"], "components": document["components"]}


@pytest.mark.parametrize("path, name, value", [
    ("/api/venues", "kind", [""]),               # kind=
    ("/api/venues", "kind", ["park,"]),          # kind=park,
    ("/api/venues", "kind", ["volcano"]),
    ("/api/venues", "point", {"lat": 60.17}),    # a lone lat
    ("/api/venues", "point", {"lon": 24.9}),
    ("/api/venues", "radius", 0),
    ("/api/venues", "limit", 501),
    ("/api/basemap", "bbox", []),                # bbox=
    ("/api/basemap", "bbox", [1, 2, 3]),
    ("/api/basemap", "bbox", [1, 91, 2, 92]),
    ("/api/places", "q", ""),
    ("/api/places", "q", "  "),
    ("/api/places", "q", "a\x00b"),
    ("/api/places", "q", "a" * 201),
])
def test_the_document_forbids_what_the_views_refuse(document: dict[str, Any], path: str,
                                                    name: str, value: Any) -> None:
    """The promises the hand-written document broke (an empty kind or bbox, a lone lat) and
    their neighbours: the schema itself refuses them now (schemathesis checks the rest)."""
    from openapi_schema_validator import OAS31Validator

    assert not OAS31Validator(_parameter_schema(document, path, name)).is_valid(value)


def test_the_feature_schema_comes_from_the_criteria_registry(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    static = [c.name for c in REGISTRY if not c.live]
    for name in ("Scores", "Reasons", "Evidence"):
        assert list(schemas[name]["properties"]) == list(CRITERIA), name
        assert schemas[name]["required"] == static, name  # live criteria: only when scored
        for criterion in REGISTRY:
            assert schemas[name]["properties"][criterion.name]["description"] == \
                criterion.question
    assert schemas["Evidence"]["properties"]["traffic"]["enum"] == list(EVIDENCE)
    properties = schemas["VenueProperties"]["properties"]
    assert properties["vetoed_by"]["anyOf"][0]["enum"] == list(CRITERIA)
    for criterion in REGISTRY:
        for name in criterion.properties:
            assert name in properties and name not in schemas["VenueProperties"]["required"]
            # A new property gets a type and a sentence in CRITERION_PROPERTIES.
            assert name in CRITERION_PROPERTIES, f"{criterion.name}.{name} is untyped"


def test_python_whitespace_list_is_python_s() -> None:
    """The place-text pattern must agree with str.strip(), which the view uses."""
    assert PY_WHITESPACE == "".join(chr(c) for c in range(sys.maxunicode + 1)
                                    if chr(c).isspace())


def test_every_route_needs_an_operation(make_app) -> None:
    app = make_app()

    @app.get("/api/undocumented")
    def undocumented():
        return jsonify(ok=True)

    with pytest.raises(LookupError, match="/api/undocumented"):
        openapi_document(app, app.extensions[LIMITS_KEY])


class _Report(RequestModel):
    """A JSON body, as the next APIs will have."""

    lat: Latitude = Field(description="Where, latitude.")
    note: str = Field(max_length=20, description="What.")


@pytest.fixture
def body_app(make_app) -> Flask:
    """The app with one more operation taking a path variable and a JSON body."""
    app = make_app()
    extra = Blueprint("extra", __name__, url_prefix="/api/extra")

    @extra.post("/reports/<path:venue_id>")
    @operation("report", "Report something at a venue", path=VenuePath, body=_Report,
               errors=(400, 404), ok_status=201, ok_description="Stored.")
    def report(path: VenuePath, body: _Report):
        return jsonify(venue=path.venue_id, lat=body.lat, note=body.note), 201

    app.register_blueprint(extra)
    return app


def test_a_json_body_is_checked_like_a_query(body_app: Flask) -> None:
    client = body_app.test_client()
    url = "/api/extra/reports/way/1"
    response = client.post(url, json={"lat": 60.17, "note": "glass"})
    assert response.status_code == 201
    assert response.get_json() == {"venue": "way/1", "lat": 60.17, "note": "glass"}
    assert_error(client.post(url, json={"lat": "٦٠", "note": "x"}), 400, "bad_request",
                 "latitude must be a number, got '٦٠'")
    assert_error(client.post(url, json={"lat": 91, "note": "x"}), 400, "bad_request",
                 "latitude 91.0 is outside -90..90")
    assert_error(client.post(url, json={"lat": 60}), 400, "bad_request",
                 "note is required: what")
    assert_error(client.post(url, json={"lat": 60, "note": "x" * 21}), 400, "bad_request",
                 "note: string should have at most 20 characters")
    assert_error(client.post(url, data="{", content_type="application/json"), 400,
                 "bad_request", "the body is not valid JSON")
    assert_error(client.post(url, data="lat=60", content_type="text/plain"), 415,
                 "unsupported_media_type")
    assert_error(client.post("/api/extra/reports/way/x", json={"lat": 60, "note": "x"}), 400,
                 "bad_request", "venue id must look like way/123, got 'way/x'")


def test_a_json_body_is_documented(body_app: Flask) -> None:
    document = body_app.test_client().get("/api/openapi.json").get_json()
    openapi_spec_validator.validate(document)
    post = document["paths"]["/api/extra/reports/{venue_id}"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/_Report"}
    assert document["components"]["schemas"]["_Report"]["required"] == ["lat", "note"]
    assert {"201", "400", "404", "415"} <= set(post["responses"])
    assert [p["name"] for p in post["parameters"]] == ["venue_id"]


def test_a_route_s_variables_need_a_path_model(make_app) -> None:
    app = make_app()

    @app.get("/api/things/<name>")
    @operation("thing", "A thing", errors=(404,))
    def thing(**variables):
        return jsonify(variables)

    with pytest.raises(ValueError, match="/api/things/<name>"):
        openapi_document(app, app.extensions[LIMITS_KEY])


class _Missing(Error):
    """A 404 that says more: where else to look."""

    elsewhere: list[str] = Field(None, description="Where else to look.")


def test_an_operation_may_give_a_status_its_own_error_model(make_app) -> None:
    app = make_app()
    extra = Blueprint("extra", __name__, url_prefix="/api/extra")

    @extra.get("/things")
    @operation("things", "Things, or where else to look", errors=(400, 404),
               error_models={404: _Missing})
    def things():
        return jsonify(error="not_found", message="none here", elsewhere=["way/1"]), 404

    app.register_blueprint(extra)
    client = app.test_client()
    document = client.get("/api/openapi.json").get_json()
    openapi_spec_validator.validate(document)
    responses = document["paths"]["/api/extra/things"]["get"]["responses"]
    schema_of = {status: r["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
                 for status, r in responses.items() if status != "200"}
    assert schema_of["404"] == "_Missing"
    assert {schema_of[s] for s in schema_of if s != "404"} == {"Error"}
    assert not list(_validator(document, "_Missing").iter_errors(
        client.get("/api/extra/things").get_json()))
    assert list(_validator(document, "_Missing").iter_errors(
        {"error": "not_found", "message": "x", "other": 1}))

"""The OpenAPI 3.1 document, generated from the views' own models; and :func:`operation`,
which declares a view's models once for both its checks and the document.

Adding an endpoint
------------------
::

    @bp.post("/venues/<path:venue_id>/hazards")
    @operation("reportHazard", "Report a hazard at a venue", path=VenuePath,
               body=HazardReport, ok=HazardAccepted, ok_status=201, errors=(400, 404))
    def report_hazard(path: VenuePath, body: HazardReport) -> Response:
        ...

The models live in :mod:`venuefinder.web.models`. The view gets them checked (a bad value is
a 400 with the rule's message, a body that is not JSON a 415); the document lists the path
variables, query parameters and body of the same models, the ``ok`` model as the answer and
the JSON error body for each status in ``errors`` and :data:`COMMON_ERRORS` (the
:class:`~venuefinder.web.models.Error` model, or for a status in ``error_models`` a model of
its own extending it: a 404 naming where else to look). A route without an
:class:`Operation` makes the document fail to build (the tests build it).

Why built here rather than by spectree or flask-openapi3: both answer bad input with their
own status (422) and error body, and add their own documentation routes; keeping every
existing URL, status and ``{"error", "message"}`` body exactly as they are took less code
than configuring that away. pydantic does the JSON Schema work
(``model_json_schema(ref_template="#/components/schemas/{model}")``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from flask import Flask, Response, current_app, request
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from ..criteria import REGISTRY
from .models import LIMITS_KEY, ApiLimits, Error, RequestModel
from .params import is_commas, is_list, nested_model, parse_body, parse_path, parse_query

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
#: Attribute of a view function holding its :class:`Operation`.
OPERATION_ATTR = "openapi_operation"
#: ``app.extensions`` key of the document built for the app (on its first request).
DOCUMENT_KEY = "venuefinder.openapi"

#: What each error status means, as the document says it.
ERROR_DESCRIPTIONS = {
    400: "Bad parameter (same rules and messages as the CLI).",
    403: "Needs its token (the admin token, or the edit or cancel token given when the thing "
         "was made: Authorization: Bearer …; a form's CSRF token), or a wrong one.",
    404: "Unknown venue or URL.",
    405: "Method not allowed (the Allow header lists the allowed ones).",
    413: "Request body larger than the configured maximum.",
    414: "URL too long (the app's limit; a server in front may answer first, see "
         "venuefinder.web.gunicorn_conf).",
    409: "The object's state does not allow this (e.g. confirming a resolved report).",
    415: "The body is not JSON.",
    429: "Rate limit exceeded (Retry-After says when to retry).",
    431: "Request headers too large (the app's limit; a server in front may answer first).",
    500: "Unexpected server error (logged; no traceback is returned).",
    503: "A data source (the optional geocoder) is unreachable.",
}
#: Statuses any operation may answer, whatever its parameters.
COMMON_ERRORS = (405, 413, 414, 429, 431, 500)


@dataclass(frozen=True)
class Operation:
    """One operation of the API, as a view declares it.

    Attributes
    ----------
    operation_id, summary, description, tags
        As in the document.
    path, query, body
        Request models of the URL's variables, the query string and a JSON body; the view
        receives each checked, as the keyword argument of the same name.
    ok
        Model of the success answer's JSON body; None: any JSON object (or a string for
        another media type).
    ok_description, ok_status, ok_media_type
        The success answer.
    errors
        Error statuses beside :data:`COMMON_ERRORS` (400 for any operation with
        parameters, 404 for a lookup, 503 for a remote source).
    error_models
        Per error status, the model of its JSON body where it says more than
        :class:`~venuefinder.web.models.Error` (a subclass of it: ``error``, ``message``
        and more); the other statuses answer :class:`~venuefinder.web.models.Error`.
    """

    operation_id: str
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ("api",)
    path: Optional[type[RequestModel]] = None
    query: Optional[type[RequestModel]] = None
    body: Optional[type[RequestModel]] = None
    ok: Optional[type[BaseModel]] = None
    ok_description: str = "OK."
    ok_status: int = 200
    ok_media_type: str = "application/json"
    errors: tuple[int, ...] = ()
    #: Other success statuses with the same body (e.g. 200 beside a 201).
    ok_also: tuple[int, ...] = ()
    #: Media type of the error answers: the JSON error body, or ``text/html`` for a page
    #: whose errors are pages saying why.
    error_media_type: str = "application/json"
    error_models: dict[int, type[Error]] = field(default_factory=dict)


def operation(operation_id: str, summary: str, **options: Any) -> Callable[[Callable], Callable]:
    """Declare a view's :class:`Operation`; the wrapped view gets ``path``, ``query`` and
    ``body`` checked by their models, bound to the app's limits (see
    :meth:`~venuefinder.web.models.RequestModel.bind`)."""
    spec = Operation(operation_id, summary, **options)

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def checked(**variables: Any) -> Response:
            limits: ApiLimits = current_app.extensions[LIMITS_KEY]
            models: dict[str, Any] = {}
            if spec.path is not None:
                models["path"] = parse_path(spec.path.bind(limits), variables)
            if spec.query is not None:
                models["query"] = parse_query(spec.query.bind(limits), request.args)
            if spec.body is not None:
                models["body"] = parse_body(spec.body.bind(limits), request)
            return view(**models)

        setattr(checked, OPERATION_ATTR, spec)
        return checked

    return decorate


#: Operations of views outside the API's blueprint (the map page renders HTML).
PAGE_OPERATIONS = {
    "map.index": Operation("mapPage", "The map page", tags=("map",),
                           ok_description="HTML page with the map, search and the list of "
                                          "venues.",
                           ok_media_type="text/html"),
}


def operation_of(app: Flask, endpoint: str) -> Optional[Operation]:
    """The :class:`Operation` of *app*'s view *endpoint*, or None (static files)."""
    view = app.view_functions.get(endpoint)
    return getattr(view, OPERATION_ATTR, None) or PAGE_OPERATIONS.get(endpoint)


class ResponseSchema(GenerateJsonSchema):
    """pydantic's JSON Schema without ``"default": null`` (an optional member is absent,
    and saying its default is null would be wrong)."""

    def default_schema(self, schema: Any) -> Any:
        json_schema = super().default_schema(schema)
        if json_schema.get("default", ...) is None:
            del json_schema["default"]
        return json_schema


class ParameterSchema(ResponseSchema):
    """JSON Schema of a query or path parameter: a parameter is absent or has a value, never
    null, and has no title (its name is the title)."""

    def nullable_schema(self, schema: Any) -> Any:
        return self.generate_inner(schema["schema"])

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def openapi_document(app: Flask, limits: ApiLimits) -> dict[str, Any]:
    """The OpenAPI document of *app*: one operation per route and method of its URL map,
    from the views' :class:`Operation` and models bound to *limits*.

    Raises
    ------
    LookupError
        A route has no :class:`Operation` (decorate its view with :func:`operation`).
    ValueError
        Two different models share a name, or a path model does not name the route's
        variables.
    """
    components: dict[str, Any] = {}
    routes = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue  # files, not an API
        spec = operation_of(app, rule.endpoint)
        if spec is None:
            raise LookupError(f"route {rule.rule} ({rule.endpoint}) has no OpenAPI operation: "
                              "decorate its view with venuefinder.web.openapi.operation")
        methods = sorted(m.lower() for m in (rule.methods or ()) - {"HEAD", "OPTIONS"})
        routes.append((rule, spec, methods))

    # Every JSON body in one go, so that shared models become one component each: answers
    # as they are serialised, requests as they are validated.
    bodies: set[tuple[type[BaseModel], str]] = {(Error, "serialization")}
    for _, spec, _ in routes:
        if spec.ok is not None:
            bodies.add((spec.ok, "serialization"))
        if spec.body is not None:
            bodies.add((spec.body.bind(limits), "validation"))
        bodies.update((model, "serialization") for model in spec.error_models.values())
    refs, defs = models_json_schema(sorted(bodies, key=lambda b: (b[0].__name__, b[1])),
                                    ref_template=REF_TEMPLATE, schema_generator=ResponseSchema)
    _add_components(components, defs.get("$defs", {}))

    paths: dict[str, dict[str, Any]] = {}
    for rule, spec, methods in routes:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        if set(spec.path.model_fields if spec.path else ()) != set(rule.arguments):
            raise ValueError(f"{spec.operation_id}: its path model does not name the "
                             f"variables of {rule.rule}")
        for method in methods:
            paths.setdefault(path, {})[method] = _operation_object(spec, limits, refs,
                                                                   components)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "venuefinder",
            "version": _version(),
            "description": ("Safe open spaces for learning to run backwards, scored for "
                            + ", ".join(c.name for c in REGISTRY)
                            + ". Coordinates are WGS84 degrees, distances metres. Every "
                            "answer but the map page is JSON; errors are "
                            "`{\"error\", \"message\"}` (a few say more: see their "
                            "schemas). OPTIONS answers 204 with an Allow header."),
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(components.items()))},
    }


def served_document(app: Flask) -> dict[str, Any]:
    """The app's document with ``servers`` set to where the current request mounted it;
    built once, on the first call (the URL map is final by then)."""
    document = app.extensions.get(DOCUMENT_KEY)
    if document is None:
        document = openapi_document(app, app.extensions[LIMITS_KEY])
        app.extensions[DOCUMENT_KEY] = document
    return {**document, "servers": [{"url": request.script_root or "/"}]}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("venuefinder")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def _add_components(components: dict[str, Any], schemas: dict[str, Any]) -> None:
    for name, schema in schemas.items():
        if components.setdefault(name, schema) != schema:
            raise ValueError(f"two different models are named {name}")


def _operation_object(spec: Operation, limits: ApiLimits, refs: dict[Any, Any],
                      components: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"operationId": spec.operation_id, "summary": spec.summary,
                            "tags": list(spec.tags)}
    if spec.description:
        item["description"] = spec.description
    parameters = [*_parameters(spec.path, "path", limits, components),
                  *_parameters(spec.query, "query", limits, components)]
    if parameters:
        item["parameters"] = parameters
    if spec.body is not None:
        item["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(spec.body.bind(limits), "validation")]}}}
    if spec.ok is not None:
        ok_schema = refs[(spec.ok, "serialization")]
    else:
        ok_schema = {"type": "object" if spec.ok_media_type == "application/json" else "string"}
    errors = set(spec.errors) | set(COMMON_ERRORS) | ({415} if spec.body is not None else set())

    def error_content(status: int) -> dict[str, Any]:
        if spec.error_media_type != "application/json":
            return {spec.error_media_type: {"schema": {"type": "string"}}}
        model = spec.error_models.get(status, Error)
        return {"application/json": {"schema": refs[(model, "serialization")]}}

    item["responses"] = {
        str(spec.ok_status): {"description": spec.ok_description,
                              "content": {spec.ok_media_type: {"schema": ok_schema}}},
        **{str(status): {"description": ERROR_DESCRIPTIONS[status],
                         "content": error_content(status)}
           for status in sorted(errors)},
    }
    for status in spec.ok_also:
        item["responses"][str(status)] = item["responses"][str(spec.ok_status)]
    return item


def _parameters(model: Optional[type[RequestModel]], where: str, limits: ApiLimits,
                components: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of *model*: a nested model is one form-exploded object
    parameter, a list field a repeated parameter or (:class:`Commas`) one comma-separated
    value."""
    if model is None:
        return []
    model = model.bind(limits)
    schema = model.model_json_schema(ref_template=REF_TEMPLATE,
                                     schema_generator=ParameterSchema)
    _add_components(components, schema.get("$defs", {}))
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in model.model_fields.items():
        prop = dict(schema["properties"][name])
        parameter: dict[str, Any] = {"name": name, "in": where}
        if where == "path" or name in required:
            parameter["required"] = True
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        if nested_model(field) is not None:
            parameter.update(style="form", explode=True)
        elif where == "query" and is_list(field):
            parameter.update(style="form", explode=not is_commas(field))
        parameter["schema"] = prop
        parameters.append(parameter)
    return parameters

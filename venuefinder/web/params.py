"""Reading a request into its model (:mod:`venuefinder.web.models`): query string, path
variables and JSON body, each turned into a model or an :class:`InputError` (400).

The rules and their messages live in the models (and, for what the CLI shares, in
:mod:`venuefinder.validate`); this module only adds what is particular to HTTP: a query
parameter given twice, comma-separated lists, nested models as flat parameters, the body's
media type. Views do not call it directly: :func:`venuefinder.web.openapi.operation` does.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Mapping, Optional, TypeVar

from flask import Request
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..errors import InputError
from .models import Commas

M = TypeVar("M", bound=BaseModel)


def single(args: MultiDict[str, str], name: str) -> Optional[str]:
    """The one value of *name*, None when absent; a repeated parameter is an error because
    silently taking one of two values hides a client bug."""
    values = args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise InputError(f"{name} given {len(values)} times; give it once")
    return values[0]


def field_shape(field: FieldInfo) -> tuple[Any, list[Any]]:
    """A field's type with ``Optional[...]`` and ``Annotated[...]`` taken off, and the
    ``Annotated`` metadata met on the way (markers such as :class:`Commas`)."""
    annotation, metadata = field.annotation, list(field.metadata)
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            metadata += annotation.__metadata__
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def nested_model(field: FieldInfo) -> Optional[type[BaseModel]]:
    """The model a field holds (several parameters that go together), else None."""
    annotation, _ = field_shape(field)
    return annotation if isinstance(annotation, type) and issubclass(annotation,
                                                                     BaseModel) else None


def is_list(field: FieldInfo) -> bool:
    """Whether a field holds several values (a list or tuple)."""
    return typing.get_origin(field_shape(field)[0]) in (list, tuple)


def is_commas(field: FieldInfo) -> bool:
    """Whether a list field is one comma-separated value (marked :class:`Commas`)."""
    return any(isinstance(m, Commas) for m in field_shape(field)[1])


def query_data(model: type[BaseModel], args: MultiDict[str, str]) -> dict[str, Any]:
    """The raw values of *model*'s parameters in a query string, shaped as the model reads
    them: a nested model's parameters gathered into one mapping (absent when none is
    given), a list field's values as a list (split at commas when marked :class:`Commas`),
    any other parameter's one value. Parameters the model does not name are left out."""
    data: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        nested = nested_model(field)
        if nested is not None:
            part = query_data(nested, args)
            if part:
                data[name] = part
        elif is_list(field):
            if is_commas(field):
                text = single(args, name)
                if text is not None:
                    data[name] = text.split(",") if text else []
            elif values := args.getlist(name):
                data[name] = values
        elif (text := single(args, name)) is not None:
            data[name] = text
    return data


def validated(model: type[M], data: Any, flat: bool = True) -> M:
    """*data* checked by *model*, else :class:`InputError` with the first problem's message.

    Parameters
    ----------
    model
        The request model.
    data
        Raw values (:func:`query_data`, path variables or a parsed JSON body).
    flat
        Name a nested field by its own name (query parameters are flat) rather than by its
        dotted path (``location.lat`` in a JSON body).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(error_message(model, exc.errors()[0], flat)) from None


def error_message(model: type[BaseModel], error: Mapping[str, Any], flat: bool = True) -> str:
    """One sentence for a pydantic error: the rule's own message when a validator raised an
    :class:`InputError` (the usual case), else the field's name and pydantic's words (a
    constraint of the model that no validator checked first)."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, InputError):
        return str(cause)
    names = [str(part) for part in error["loc"] if isinstance(part, str)]
    where = (names[-1] if flat else ".".join(names)) if names else "the request"
    if error["type"] == "missing":
        field = _field_at(model, names)
        hint = (field.description or "").rstrip(".") if field is not None else ""
        return f"{where} is required" + (f": {hint[:1].lower()}{hint[1:]}" if hint else "")
    text = str(error["msg"])
    return f"{where}: {text[:1].lower()}{text[1:]}"


def _field_at(model: type[BaseModel], names: list[str]) -> Optional[FieldInfo]:
    """The field a pydantic error location names, following nested models."""
    field: Optional[FieldInfo] = None
    for name in names:
        if model is None or name not in model.model_fields:
            return None
        field = model.model_fields[name]
        model = nested_model(field)  # type: ignore[assignment]
    return field


def parse_query(model: type[M], args: MultiDict[str, str]) -> M:
    """``request.args`` checked by a query model."""
    return validated(model, query_data(model, args))


def parse_path(model: type[M], variables: Mapping[str, Any]) -> M:
    """The URL's variables (Flask's ``view_args``) checked by a path model."""
    return validated(model, dict(variables))


def parse_body(model: type[M], request: Request) -> M:
    """A JSON request body checked by a body model.

    Raises
    ------
    UnsupportedMediaType
        The body is not ``application/json`` (415).
    InputError
        It is not valid JSON, or a value breaks the model's rules (400).
    """
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON, with Content-Type: "
                                   "application/json")
    try:
        data = request.get_json()
    except BadRequest:
        raise InputError("the body is not valid JSON") from None
    return validated(model, data, flat=False)

"""The JSON API's request and response models: one source for the views' checks and the
OpenAPI document.

How a view uses them
--------------------
A view declares its models once, with :func:`venuefinder.web.openapi.operation`::

    @bp.get("/venues")
    @operation("listVenues", "Venues near a point, best first", query=VenueQuery,
               ok=VenueCollection, errors=(400,))
    def venues(query: VenueQuery) -> Response:
        ...

The decorator validates ``request.args`` with ``VenueQuery`` (bound to the app's limits, see
below), answers 400 with the rule's message when a value is bad, and passes the model to the
view; :func:`~venuefinder.web.openapi.openapi_document` lists the same model's fields as the
operation's parameters and ``VenueCollection`` as its 200 body. ``path=`` (the URL's
variables) and ``body=`` (a JSON request body) work the same way.

How a request model checks
--------------------------
* Each field's type carries its rule twice, in this order: a ``Field`` constraint (``ge``,
  ``pattern``…), which is what the document shows, then a before-validator that parses the
  text and applies the rule of :mod:`venuefinder.validate` (so the message is the CLI's).
  The before-validator runs first, so a bad value gets the shared message; the constraint
  runs after it, so a view never accepts what the document forbids (schemathesis checks
  the converse: that it accepts all the document allows).
* Query parameters are text. A field whose type is a model is several parameters that go
  together (``lat`` and ``lon``: both or neither), documented as one form-exploded object
  parameter. A list field is a repeated parameter (``kind=a&kind=b``), or one
  comma-separated value when marked :class:`Commas` (``bbox=1,2,3,4``).
* Bounds that come from the settings or the loaded region (the largest radius, the
  region's kinds) are not known at import: such a model overrides :meth:`RequestModel.bind`
  to return itself with the app's :class:`ApiLimits`; the decorator and the document both
  use the bound model.
* Unknown query parameters are ignored (cache-busting ``_=…`` and the like).

Response models describe what the views already write (the region serialises venues once, as
text, for speed); they are not run per response. The tests validate real responses against
the document generated from them.
"""

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, Mapping, Optional

from pydantic import (AfterValidator, AnyUrl, BaseModel, BeforeValidator, ConfigDict, Field,
                      create_model, model_validator)

from ..errors import InputError
from ..region import BASEMAP_LAYER_ORDER
from ..criteria import CRITERIA, EVIDENCE, REGISTRY
from ..serialize import TAG_PROPERTIES
from ..vocabulary import VENUE_ID_PATTERN  # the one venue-id rule; web modules import it here
from ..validate import (LAT_RANGE, LON_RANGE, SCORE_RANGE, check_kinds, check_latitude,
                        check_limit, check_longitude, check_min_confidence, check_min_score,
                        check_radius, clip, parse_float, parse_int)

if TYPE_CHECKING:
    from ..config import Settings

#: ``app.extensions`` key of the app's :class:`ApiLimits`.
LIMITS_KEY = "venuefinder.api_limits"

#: Longest place query accepted; longer text is not a place name and only costs CPU.
MAX_QUERY_CHARS = 200
#: Most places one search returns.
MAX_PLACES = 50
DEFAULT_PLACES = 10
#: Widest basemap box, in degrees: wider views are not drawn (too many features to read).
MAX_BBOX_DEGREES = 0.5

#: The characters Python's ``str.strip()`` removes (``str.isspace``), for patterns that must
#: agree with it; the tests check the list against Python's own.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
                 "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_CONTROL = re.compile(r"[\x00-\x1f]")


def _char_class(chars: str) -> str:
    """*chars* as the inside of a regular-expression class, in ``\\uXXXX`` escapes (read the
    same by Python, JSON Schema's ECMA-262 and Rust)."""
    return "".join(f"\\u{ord(ch):04x}" for ch in chars)


@dataclass(frozen=True)
class ApiLimits:
    """What request models depend on beyond their own rules: the settings' limits and the
    loaded region's venue kinds. One per app (``app.extensions[LIMITS_KEY]``)."""

    max_radius_m: float
    default_radius_m: float
    max_limit: int
    default_limit: int
    kinds: tuple[str, ...]

    @classmethod
    def of(cls, settings: "Settings", kinds: list[str]) -> "ApiLimits":
        """The limits of an app serving a region with these *kinds*; defaults above the
        maxima are lowered to them (as the map page does)."""
        return cls(max_radius_m=float(settings.max_radius_m),
                   default_radius_m=float(min(settings.default_radius_m,
                                              settings.max_radius_m)),
                   max_limit=settings.max_limit,
                   default_limit=min(settings.default_limit, settings.max_limit),
                   kinds=tuple(kinds))


@dataclass(frozen=True)
class Commas:
    """Marks a list field given as one comma-separated query value (OpenAPI ``style: form,
    explode: false``) instead of a repeated parameter."""


# -- request models -----------------------------------------------------------------------
class RequestModel(BaseModel):
    """Base of path, query and body models: immutable, unknown keys ignored, patterns run
    with Python's ``re`` (as the test generators read them)."""

    model_config = ConfigDict(frozen=True, extra="ignore", regex_engine="python-re")

    @classmethod
    def bind(cls, limits: ApiLimits) -> type["RequestModel"]:
        """This model as an app with *limits* validates and documents it (itself, unless
        its bounds come from the settings or the region)."""
        return cls


def _rule(function: Any, *args: Any) -> BeforeValidator:
    """A before-validator calling ``function(value, *args)``."""
    return BeforeValidator(lambda value: function(value, *args))


def _latitude(text: object, what: str) -> float:
    return check_latitude(parse_float(text, what))


def _longitude(text: object, what: str) -> float:
    return check_longitude(parse_float(text, what))


def _radius(text: object, max_m: float) -> float:
    return check_radius(parse_float(text, "radius"), max_m)


def _limit(text: object, max_limit: int) -> int:
    return check_limit(parse_int(text, "limit"), max_limit)


def _min_score(text: object) -> Optional[float]:
    return check_min_score(parse_float(text, "min_score"))


def _min_confidence(text: object) -> Optional[float]:
    return check_min_confidence(parse_float(text, "min_confidence"))


def _ordinate(what: str, kind: Literal["lat", "lon"]) -> Any:
    low, high = LAT_RANGE if kind == "lat" else LON_RANGE
    return Annotated[float, Field(ge=low, le=high, allow_inf_nan=False),
                     _rule(_latitude if kind == "lat" else _longitude, what)]


def radius_type(max_m: float) -> Any:
    """A search radius in metres, positive and at most *max_m*."""
    return Annotated[float, Field(gt=0, le=max_m, allow_inf_nan=False), _rule(_radius, max_m)]


def limit_type(max_limit: int) -> Any:
    """A result count, 1 to *max_limit*."""
    return Annotated[int, Field(ge=1, le=max_limit), _rule(_limit, max_limit)]


def kinds_type(kinds: tuple[str, ...]) -> Any:
    """Values of a repeated ``kind`` parameter, each one kind or several separated by commas
    (spaces around them allowed); the model holds the kinds, split."""
    names = "|".join(re.escape(k) for k in kinds) or "(?!)"  # no kinds: nothing matches
    item = f"^ *(?:{names}) *(?:, *(?:{names}) *)*$"
    return Annotated[list[Annotated[str, Field(pattern=item)]],
                     BeforeValidator(lambda values: _checked_kinds(values, kinds)),
                     AfterValidator(lambda values: [k.strip(" ") for v in values
                                                    for k in v.split(",")])]


def _checked_kinds(values: Any, kinds: tuple[str, ...]) -> Any:
    """The raw values, after :func:`~venuefinder.validate.check_kinds` had its say."""
    if isinstance(values, list):
        check_kinds([k for v in values for k in str(v).split(",")], kinds)
    return values


Latitude = _ordinate("latitude", "lat")
Longitude = _ordinate("longitude", "lon")
West, South = _ordinate("west", "lon"), _ordinate("south", "lat")
East, North = _ordinate("east", "lon"), _ordinate("north", "lat")
MinScore = Annotated[float, Field(ge=SCORE_RANGE[0], le=SCORE_RANGE[1], allow_inf_nan=False),
                     _rule(_min_score)]
MinConfidence = Annotated[float, Field(ge=SCORE_RANGE[0], le=SCORE_RANGE[1],
                                       allow_inf_nan=False), _rule(_min_confidence)]
PlaceLimit = limit_type(MAX_PLACES)


def _venue_id(text: object) -> str:
    text = str(text)
    if not re.fullmatch(VENUE_ID_PATTERN, text):
        raise InputError(f"venue id must look like way/123, got {clip(text)!r}")
    return text


VenueId = Annotated[str, Field(pattern=VENUE_ID_PATTERN), BeforeValidator(_venue_id)]


def _place_text(text: object) -> str:
    """A place name to search for, spaces around it dropped."""
    text = str(text)
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(f"q is longer than {MAX_QUERY_CHARS} characters")
    if _CONTROL.search(text):
        raise InputError("q must not contain control characters")
    if not text.strip():
        raise InputError("q must not be empty")
    return text.strip()


_SPACE = _char_class(PY_WHITESPACE)
PLACE_TEXT_PATTERN = f"^[^\\x00-\\x1f]*[^\\x00-\\x1f{_SPACE}][^\\x00-\\x1f]*$"


def _four_parts(parts: Any) -> Any:
    if isinstance(parts, list) and len(parts) != 4:
        if not parts:
            raise InputError("bbox must not be empty: west,south,east,north in degrees")
        text = ",".join(map(str, parts))
        raise InputError(f"bbox must be west,south,east,north, got {clip(text)!r}")
    return parts


class Point(RequestModel):
    """A point given as `lat` and `lon`: both, or neither."""

    lat: Latitude = Field(description="Latitude, -90..90.")
    lon: Longitude = Field(description="Longitude, -180..180.")

    @model_validator(mode="before")
    @classmethod
    def _both_or_neither(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and ("lat" in data) != ("lon" in data):
            raise InputError("give both lat and lon, or neither (the region's centre)")
        return data


class VenueQuery(RequestModel):
    """Parameters of ``GET /api/venues``. Radius, limit and kind depend on the app: validate
    with ``VenueQuery.bind(limits)``."""

    point: Optional[Point] = Field(
        None, description="Search centre: `lat` and `lon` (WGS84 degrees), both or neither "
        "(the region's centre).")
    radius: float = Field(description="Search radius (m).")
    limit: int = Field(description="Most venues returned.")
    min_score: Optional[MinScore] = Field(None, description="Leave out venues scoring below "
                                          "this.")
    min_confidence: Optional[MinConfidence] = Field(
        None, description="Leave out venues whose score rests less than this (0-100) on "
        "measured or tagged evidence.")
    kind: Optional[list[str]] = Field(
        None, description="Venue kinds to keep; repeat the parameter or separate kinds with "
        "commas. An empty kind is an error.")

    @classmethod
    @cache
    def bind(cls, limits: ApiLimits) -> type["VenueQuery"]:
        def field(name: str, annotation: Any, default: Any) -> tuple[Any, Any]:
            return annotation, Field(default, description=cls.model_fields[name].description)

        return create_model(
            cls.__name__, __base__=cls, __module__=__name__, __doc__=cls.__doc__,
            radius=field("radius", radius_type(limits.max_radius_m), limits.default_radius_m),
            limit=field("limit", limit_type(limits.max_limit), limits.default_limit),
            kind=field("kind", Optional[kinds_type(limits.kinds)], None))


class VenuePath(RequestModel):
    """The variable of ``/api/venues/<id>``."""

    venue_id: VenueId = Field(description="OSM type and id (the slash is part of the path).",
                              examples=["way/123"])


class PlaceQuery(RequestModel):
    """Parameters of ``GET /api/places``."""

    q: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS,
                            pattern=PLACE_TEXT_PATTERN), BeforeValidator(_place_text)] = Field(
        description="A place name to look for (part of it, any case).")
    limit: PlaceLimit = Field(DEFAULT_PLACES, description="Most places returned.")


class BasemapQuery(RequestModel):
    """Parameters of ``GET /api/basemap``."""

    bbox: Annotated[tuple[West, South, East, North], Commas(),
                    BeforeValidator(_four_parts)] = Field(
        description="West,south,east,north in degrees (west < east, south < north; at most "
                    f"{MAX_BBOX_DEGREES:g} wide and high).",
        examples=[[24.93, 60.16, 24.96, 60.18]])

    @model_validator(mode="after")
    def _a_small_box(self) -> "BasemapQuery":
        west, south, east, north = self.bbox
        if west >= east or south >= north:
            raise InputError("bbox must have west < east and south < north")
        if east - west > MAX_BBOX_DEGREES or north - south > MAX_BBOX_DEGREES:
            raise InputError(f"bbox is wider than {MAX_BBOX_DEGREES:g} degrees; zoom in")
        return self


# -- response models ----------------------------------------------------------------------
class ResponseModel(BaseModel):
    """Base of response bodies: other members may be added later, so clients must ignore
    the ones they do not know."""


Score = Annotated[float, Field(ge=SCORE_RANGE[0], le=SCORE_RANGE[1])]
NonNegative = Annotated[float, Field(ge=0)]


class Error(BaseModel):
    """Every error answer of the app."""

    model_config = ConfigDict(extra="forbid")

    error: str = Field(pattern=r"^[a-z0-9_]+$", examples=["bad_request"],
                       description="Machine-readable code, from the HTTP status's name or the "
                                   "kind of error.")
    message: str = Field(description="One sentence for a person; quotes at most a few dozen "
                                     "characters of the request.")


class Geometry(ResponseModel):
    """A GeoJSON geometry, WGS84 longitude and latitude."""

    type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                  "MultiPolygon", "GeometryCollection"]
    coordinates: list[Any] = Field(None, description="Every type but GeometryCollection.")
    geometries: list["Geometry"] = Field(None, description="GeometryCollection only.")


def _per_criterion(name: str, value: Any, description: str) -> type[BaseModel]:
    """A model with one member per criterion of the registry, described by its question:
    static criteria always, live ones (scored per request from the store) when scored."""
    fields: dict[str, Any] = {
        c.name: (value, Field(None if c.live else ..., description=c.question))
        for c in REGISTRY}
    return create_model(name, __base__=ResponseModel, __module__=__name__,
                        __doc__=description, **fields)


#: Type and description of the per-venue properties criteria add (``Criterion.properties``);
#: one a criterion adds without an entry here is documented as any value.
CRITERION_PROPERTIES: dict[str, tuple[Any, str]] = {
    "longest_run_m": (NonNegative, "Longest straight run (or a track's lap), m."),
    "usable_area_m2": (NonNegative, "Area 2 m inside the edge, holes excluded, m²."),
    "obstacle_count": (Annotated[int, Field(ge=0)],
                       "Mapped obstacles inside the running area."),
    "hazard_count": (Annotated[int, Field(ge=0)], "Open hazard reports counted."),
}


def _criterion_property(criterion: str, name: str) -> tuple[Any, Any]:
    if name not in CRITERION_PROPERTIES:
        return Any, Field(None, description=f"Measured by the {criterion} criterion.")
    kind, description = CRITERION_PROPERTIES[name]
    return Optional[kind], Field(None, description=description)


Scores = _per_criterion("Scores", Score, "Score of each criterion, 0-100.")
Reasons = _per_criterion("Reasons", str, "The evidence behind each criterion's score.")
Evidence = _per_criterion("Evidence", Literal[EVIDENCE],
                          "What each score rests on: a measurement, OSM tags, or a guess by the "
                          "kind of place (prior).")
CriterionName = Literal[CRITERIA]  # type: ignore[valid-type]


class SuggestedMeetingPoint(ResponseModel):
    """Where a group would meet at a venue, and why there."""

    lat: Latitude
    lon: Longitude
    kind: Literal["entrance", "gate", "footpath", "venue"] = Field(
        description="An entrance, a gate in the venue's fence, the venue's edge nearest a "
                    "footpath, or (nothing mapped) the middle of the venue.")
    reason: str


class _VenueProperties(ResponseModel):
    id: str = Field(pattern=VENUE_ID_PATTERN, examples=["way/123"])
    name: Optional[str] = Field(description="The OSM name, or null.")
    label: str = Field(min_length=1, examples=["Football pitch in Kaisaniemen puisto"],
                       description="What to call it: its name and kind, or where it lies; "
                                   "never empty, distinct within the region.")
    kind: str
    score: Score = Field(description="Combined score, 0-100, higher is safer.")
    scores: Scores  # type: ignore[valid-type]
    reasons: Reasons  # type: ignore[valid-type]
    evidence: Evidence  # type: ignore[valid-type]
    confidence: Annotated[int, Field(ge=0, le=100)] = Field(
        description="Weight share of the criteria resting on measured or tagged evidence.")
    vetoed_by: Optional[CriterionName] = Field(  # type: ignore[valid-type]
        description="Criterion that capped the combined score.")
    note: Optional[str] = Field(description="A ranking rule that moved the score.")
    distance_m: Optional[NonNegative] = Field(
        description="Metres from the searched point (0 inside); null without one.")
    area_m2: NonNegative


VenueProperties = create_model(
    "VenueProperties", __base__=_VenueProperties, __module__=__name__,
    __doc__="Properties of a venue feature: the CLI's `--format geojson` schema.",
    **{name: _criterion_property(c.name, name) for c in REGISTRY for name in c.properties},
    **{tag: (Optional[str], Field(description=f"OSM `{tag}` tag.")) for tag in TAG_PROPERTIES},
    meeting_point=(Optional[SuggestedMeetingPoint], Field(
        description="Where a group would meet; null for a venue file ingested before "
                    "meeting points were suggested.")),
    osm_url=(AnyUrl, Field(description="The object on openstreetmap.org.")))


class VenueFeature(ResponseModel):
    """One venue: a GeoJSON Feature."""

    type: Literal["Feature"]
    id: str = Field(pattern=VENUE_ID_PATTERN)
    geometry: Geometry
    properties: VenueProperties  # type: ignore[valid-type]


class VenueQueryEcho(ResponseModel):
    """The checked parameters of the request, defaults filled in."""

    lat: float
    lon: float
    radius_m: float
    limit: int
    min_score: Optional[float]
    kinds: Optional[list[str]]
    min_confidence: Optional[float]


class VenueCollection(ResponseModel):
    """Venues best first: a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[VenueFeature]
    query: VenueQueryEcho


class Place(ResponseModel):
    name: str
    kind: Optional[str]
    lat: float
    lon: float


class Places(ResponseModel):
    """Places whose name matches, prefix matches first."""

    query: str
    source: Literal["region", "nominatim"]
    places: list[Place]


class BasemapProperties(ResponseModel):
    layer: Literal[BASEMAP_LAYER_ORDER]  # type: ignore[valid-type]
    count: int = Field(ge=1, description="Features merged into the geometry.")


class BasemapFeature(ResponseModel):
    """One layer of the basemap; its geometry is a GeometryCollection."""

    type: Literal["Feature"]
    properties: BasemapProperties
    geometry: Geometry


class BasemapCollection(ResponseModel):
    """The light basemap inside the box, one feature per layer, bottom to top."""

    type: Literal["FeatureCollection"]
    features: list[BasemapFeature]
    truncated: bool = Field(description="The box held more than one answer draws.")

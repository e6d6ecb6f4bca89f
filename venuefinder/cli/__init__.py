"""The ``venuefinder`` command: parses, validates, calls the library, prints.

Exit codes (a contract): 0 success; 2 bad usage or input (coordinates, radius, limit, an
unreadable DEM, an output path of the wrong kind); 1 a source that cannot be read (missing,
empty, corrupt, not OSM, unreachable). Errors are one line on stderr, never a traceback.
This module only parses: the commands' bodies, which need the heavy libraries, live in
:mod:`.commands` and :mod:`.ingest`, imported when a command runs so that ``--help`` stays fast.
"""

from __future__ import annotations

import importlib

import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NoReturn, Optional

import click

from ..errors import InputError, VenuefinderError
from ..validate import clip, parse_lat_lon

EXIT_SOURCE = 1
EXIT_INPUT = 2
#: Longest error line printed (a last guard: messages quote what they echo clipped already,
#: but click's usage errors quote a bad value whole).
MAX_ERROR_CHARS = 400
#: Most tiles a partitioned ingest is cut into (each one is a task and a folder of files).
MAX_PARTITIONS = 100_000


def _commands(module: str = "commands") -> ModuleType:
    """The commands' bodies: :mod:`.commands`, or :mod:`.ingest` for ``ingest``. Imported
    lazily, the one place the CLI does: they load geopandas, the scoring and the web app,
    which ``--help`` and usage errors never need (and ``ingest`` never needs the web app)."""
    return importlib.import_module(f".{module}", __package__)


def _run(action: Callable[[], None]) -> None:
    """Run a command body, mapping domain errors to exit codes in this one place."""
    try:
        action()
    except InputError as exc:
        _fail(str(exc), EXIT_INPUT)
    except VenuefinderError as exc:  # SourceError, NotFoundError
        _fail(str(exc), EXIT_SOURCE)
    except MemoryError:
        _fail("out of memory: try a smaller extract or radius", EXIT_SOURCE)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        sys.exit(0)  # `venuefinder venues ... | head` is fine


def _fail(message: str, code: int) -> NoReturn:
    line = " ".join(message.split())  # one line, whatever the message held
    click.echo(f"venuefinder: error: {clip(line, MAX_ERROR_CHARS)}", err=True)
    sys.exit(code)


def _usage_failure(exc: click.ClickException) -> NoReturn:
    """A usage error (bad option value, missing option, unknown command) as the one error
    line, naming the command's help, instead of click's three-line block."""
    message = exc.format_message().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    _fail(message, exc.exit_code)


class _Group(click.Group):
    """Turns usage errors into one line (exit 2) and any unexpected exception into one line
    and exit 1, instead of click's block or a traceback."""

    def make_context(self, info_name: Optional[str], args: list[str],
                     parent: Optional[click.Context] = None, **extra: Any) -> click.Context:
        # The group's own options and its command name are parsed here.
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as exc:
            _usage_failure(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:  # a command's options, parsed here
            _usage_failure(exc)
        except (click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:  # last resort: a bug must not print a traceback at users
            logging.getLogger(__name__).debug("unexpected error", exc_info=True)
            detail = str(exc).splitlines()[0][:200] if str(exc) else ""
            _fail(f"unexpected {type(exc).__name__}: {detail} (run with -v for details)",
                  EXIT_SOURCE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log what is read and dropped.")
@click.version_option(package_name="venuefinder")
def main(verbose: bool) -> None:
    """Find safe places to run backwards: tracks and flat, quiet, even fields."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="venuefinder: %(message)s", stream=sys.stderr)


def _near(ctx: click.Context, param: click.Parameter, value: Optional[str]):
    if value is None:
        return None
    try:
        return parse_lat_lon(value)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from None


def _partitions(ctx: click.Context, param: click.Parameter, value: Optional[str]):
    if value is None or value.strip().lower() == "auto":
        return value and "auto"
    if not value.strip().isdigit() or not 1 <= int(value) <= MAX_PARTITIONS:
        raise click.BadParameter(f"expected a tile count 1-{MAX_PARTITIONS} or 'auto', got "
                                 f"{clip(value, 40)!r}")
    return int(value)


@main.command()
@click.option("--source", help="OSM extract (.osm.pbf/.osm/.osm.gz/.osm.bz2), an ingested "
              ".parquet/.gpkg, a partitioned dataset folder (`ingest --out DIR`), a PostGIS "
              "database (postgresql://…, `load`), or 'overpass' for live data. Default: "
              "embedded Helsinki.")
@click.option("--dem", type=click.Path(path_type=Path), metavar="PATH|auto",
              help="Elevation GeoTIFF (any CRS), or 'auto' for terrain tiles.")
@click.option("--near", "near", required=True, callback=_near, metavar="LAT,LON",
              help="Search centre, e.g. 60.1699,24.9384.")
@click.option("--radius", type=float, default=None, metavar="METRES",
              help="Search radius in metres (default 2000, at most 20000).")
@click.option("--limit", type=int, default=None,
              help="How many venues (default 10: the CLI_DEFAULT_LIMIT setting).")
@click.option("--min-score", type=float, default=None, help="Only venues scoring at least this.")
@click.option("--min-confidence", type=float, default=None,
              help="Only venues whose score rests at least this much (0-100, the weight "
              "share) on measured or mapped evidence rather than guesses.")
@click.option("--kind", "kinds", multiple=True, help="Only these kinds (repeatable).")
@click.option("--store", metavar="URL",
              help="Database of hazard reports (sqlite:///file or postgresql://…) whose "
              "open reports lower the scores; default: DATABASE_URL, else none.")
@click.option("--format", "fmt", type=click.Choice(["table", "geojson"]), default="table",
              show_default=True)
def venues(source: Optional[str], dem: Optional[Path], near: tuple[float, float],
           radius: Optional[float], limit: Optional[int], min_score: Optional[float],
           min_confidence: Optional[float], kinds: tuple[str, ...], store: Optional[str],
           fmt: str) -> None:
    """The safest venues near a point, best first, with the reasons for each score."""

    _run(lambda: _commands().venues(source, dem, near, radius, limit, min_score,
                                    min_confidence, kinds, store, fmt))


@main.command()
@click.option("--source", help="As for `venues` (an extract, a dataset folder, a PostGIS "
              "database, or 'overpass'); default: embedded Helsinki.")
@click.option("--dem", type=click.Path(path_type=Path), metavar="PATH|auto",
              help="Elevation GeoTIFF (any CRS), or 'auto' for terrain tiles.")
@click.option("--near", "near", required=True, callback=_near, metavar="LAT,LON",
              help="Where the run starts (or the walk to a venue).")
@click.option("--length", type=float, metavar="METRES", help="Loop length, 400-15000 m.")
@click.option("--to", "venue_id", metavar="VENUE_ID",
              help="The way there to a venue (way/123) instead of a loop.")
@click.option("--lit", is_flag=True, help="Prefer lit ways (always after sunset there).")
@click.option("--alternatives", type=int, default=3, show_default=True,
              help="Up to this many loops that differ (1-3).")
@click.option("--store", metavar="URL", help="Hazard reports to avoid (as for `venues`).")
@click.option("--format", "fmt", type=click.Choice(["table", "geojson", "gpx"]),
              default="table", show_default=True)
def route(source: Optional[str], dem: Optional[Path], near: tuple[float, float],
          length: Optional[float], venue_id: Optional[str], lit: bool, alternatives: int,
          store: Optional[str], fmt: str) -> None:
    """A safe loop to run backwards from a point, or the way there to a venue."""

    _run(lambda: _commands().route(source, dem, near, length, venue_id, lit, alternatives,
                                   store, fmt))


@main.command()
@click.argument("source")
@click.option("--dem", type=click.Path(path_type=Path), metavar="PATH|auto",
              help="Elevation GeoTIFF (any CRS), or 'auto' for terrain tiles.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Output: .parquet (GeoParquet) or .gpkg (GeoPackage); a folder (no "
              "suffix) for a partitioned dataset scored tile by tile on Dask.")
@click.option("--partitions", callback=_partitions, metavar="N|auto",
              help="Partitioned dataset: how many tiles, at least (default auto: enough "
              "for the workers and the file's size; none is wider than 2° of longitude).")
@click.option("--workers", type=click.IntRange(1, 1024), default=None,
              help="Partitioned dataset: worker processes of the local cluster (default: "
              "the cores).")
@click.option("--memory-limit", metavar="SIZE",
              help="Partitioned dataset: memory limit of each local worker, e.g. 4GiB "
              "(default: the machine's memory shared among them).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Partitioned dataset: a running Dask scheduler (tcp://host:8786) to use "
              "instead of a local cluster; its workers must see SOURCE and --out.")
def ingest(source: str, dem: Optional[Path], out: Path, partitions: Optional[str],
           workers: Optional[int], memory_limit: Optional[str],
           scheduler: Optional[str]) -> None:
    """Score every venue of a whole extract into GeoParquet or GeoPackage, or into a
    partitioned dataset (a folder of GeoParquet files, one set per tile)."""

    _run(lambda: _commands("ingest").ingest(source, dem, out, partitions, workers, memory_limit,
                                    scheduler))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--db", required=True, metavar="URL",
              help="PostGIS database: postgresql://user:password@host/db (or "
              "postgresql+psycopg://…); ?region=NAME names the region (default: the "
              "folder's name).")
def load(folder: Path, db: str) -> None:
    """Load a partitioned dataset (`ingest SRC --out DIR`) into PostGIS, replacing the
    region of the same name at once; serve it with `--source URL`."""

    _run(lambda: _commands().load(folder, db))


@main.command()
@click.option("--source", help="As for `venues`; default: embedded Helsinki.")
@click.option("--dem", type=click.Path(path_type=Path), metavar="PATH|auto",
              help="Elevation GeoTIFF (any CRS), or 'auto' for terrain tiles.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
def serve(source: Optional[str], dem: Optional[Path], host: str, port: int) -> None:
    """Prepare the region and serve the map on http://HOST:PORT."""

    _run(lambda: _commands().serve(source, dem, host, port))


if __name__ == "__main__":  # pragma: no cover
    main()

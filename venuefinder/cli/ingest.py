"""The body of ``venuefinder ingest``: an extract scored into a file or a partitioned dataset.

Apart from :mod:`venuefinder.cli.commands` because a long read needs neither the web app nor
the database drivers those commands load (about a second of start-up).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Optional

import click
from pyogrio.errors import DataLayerError, DataSourceError
from tqdm import tqdm

from ..config import load_settings
from ..dataset import MANIFEST, is_dataset_path
from ..errors import InputError
from ..partition import check_memory_limit, partitioned_ingest
from ..prepare import score_features
from ..sources.elevation import check_dem_path, is_auto_dem
from ..sources.osm_file import check_extract_path, read_extract
from .progress import tile_bar

OUTPUT_SUFFIXES = (".parquet", ".geoparquet", ".gpkg")


def ingest(source: str, dem: Optional[Path], out: Path, partitions: Optional[int | str] = None,
           workers: Optional[int] = None, memory_limit: Optional[str] = None,
           scheduler: Optional[str] = None) -> None:
    """``venuefinder ingest``: every venue of an extract, scored, into a file, or into a
    partitioned dataset (an ``--out`` without a suffix, :mod:`venuefinder.partition`)."""
    cluster_options = (partitions, workers, memory_limit, scheduler)
    if is_dataset_path(out):
        return _ingest_partitioned(source, dem, out, partitions or "auto", workers,
                                   memory_limit, scheduler)
    if any(option is not None for option in cluster_options):
        raise InputError("--partitions, --workers, --memory-limit and --scheduler write a "
                         f"partitioned dataset: give --out a folder (no suffix), not {out.name!r}")
    if not out.name.lower().endswith(OUTPUT_SUFFIXES):
        raise InputError(f"--out must end in {', '.join(OUTPUT_SUFFIXES)}, got {out.name!r}")
    if not out.parent.resolve().is_dir():
        raise InputError(f"output folder does not exist: {out.parent}")
    settings = load_settings(source=source, dem=dem)
    if dem is not None and not is_auto_dem(dem):
        check_dem_path(dem)
    path = settings.source_path()
    check_extract_path(path)
    with tqdm(desc=f"reading {path.name}", unit=" objects", unit_scale=True,
              disable=None, file=sys.stderr) as bar:
        osm = read_extract(path, bar.update, for_map=False)
    click.echo(f"read {path.name}: {osm.stats.objects} objects; {osm.stats.summary()}",
               err=True)
    steps = tqdm(total=2, desc="scoring", disable=None, file=sys.stderr)
    scored = score_features(osm, settings, dem, path.name)[0]
    steps.update(1)
    steps.set_description(f"writing {out.name}")
    write_venues(scored, out)
    steps.update(1)
    steps.close()
    click.echo(f"wrote {len(scored)} scored venues to {out}", err=True)


def _ingest_partitioned(source: str, dem: Optional[Path], out: Path, partitions: int | str,
                        workers: Optional[int], memory_limit: Optional[str],
                        scheduler: Optional[str]) -> None:
    """The partitioned ingest of :func:`ingest`: tiles scored on a Dask cluster."""
    if not out.parent.resolve().is_dir():
        raise InputError(f"output folder does not exist: {out.parent}")
    if out.exists() and not (out / MANIFEST).is_file():
        raise InputError(f"--out {out} exists and is not a partitioned dataset: "
                         "not replacing it")
    if scheduler is not None and (workers is not None or memory_limit is not None):
        raise InputError("--workers and --memory-limit start a local cluster: a running one "
                         "(--scheduler) has its own workers")
    if memory_limit is not None:
        check_memory_limit(memory_limit)
    settings = load_settings(source=source, dem=dem)
    if dem is not None and not is_auto_dem(dem):
        check_dem_path(dem)
    path = settings.source_path()
    workers = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else os.cpu_count() or 1)
    with tile_bar(f"tiles of {path.name}") as progress:
        manifest = partitioned_ingest(path, out, settings, partitions, workers, memory_limit,
                                      scheduler, dem, progress=progress)
    click.echo(f"wrote {manifest['venues']} scored venues in {len(manifest['tiles'])} tiles "
               f"to {out}", err=True)


def write_venues(venues: Any, out: Path) -> None:
    """Write scored venues by suffix, through a temporary file so a failure leaves any
    previous output intact and nothing else behind.

    Raises
    ------
    InputError
        The file cannot be written (a full disk, no permission): one line, the reason.
        pyarrow raises ``OSError``; GDAL, through pyogrio, its own errors (a full disk is
        a ``FeatureError`` "database or disk is full", or a ``DataSourceError`` when even
        creating the file fails).
    """
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    try:
        if out.suffix.lower() == ".gpkg":
            tmp.unlink(missing_ok=True)
            venues.to_file(tmp, layer="venues", driver="GPKG")
        else:
            venues.to_parquet(tmp)
        tmp.replace(out)
    except BaseException as exc:  # Ctrl+C too: a half-written file must not stay
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # pyarrow's strerror wraps the errno's text in its own
            reason = os.strerror(exc.errno) if exc.errno else exc.strerror or str(exc)
            raise InputError(f"cannot write {out}: {reason}") from None
        if isinstance(exc, (DataSourceError, DataLayerError)):
            text = str(exc)
            full = "disk is full" in text or "No space left" in text
            reason = "No space left on device" if full else text.splitlines()[0][:200]
            raise InputError(f"cannot write {out}: {reason}") from None
        raise

"""Frames to rows and back, so a frame read from PostGIS equals the one the dataset gave.

A frame's columns and dtypes are kept as its Arrow schema (:func:`describe`: the schema
``pyarrow`` gives the frame, the geometry column as binary in its place, the frame's
``attrs`` in the metadata); :func:`rebuild` turns columns of values read back into the same
frame. Venue attributes are one JSON document per venue (:func:`json_documents`); JSON has
no infinity or NaN, so a non-finite float is written as the string ``"Infinity"``,
``"-Infinity"`` or ``"NaN"`` and read back by its field's type (:func:`json_columns`).
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping, Optional, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from ..dataset import WGS84

#: Schema metadata keys: the frame's attrs (JSON), its geometry column's name.
ATTRS_KEY = b"venuefinder.attrs"
GEOMETRY_KEY = b"venuefinder.geometry"


def describe(frame: pd.DataFrame) -> bytes:
    """The serialised Arrow schema of *frame* (see the module)."""
    geometry = _geometry_name(frame)
    plain = frame.drop(columns=[geometry]) if geometry else frame
    schema = pa.Schema.from_pandas(plain, preserve_index=False)
    fields = list(schema)
    metadata = dict(schema.metadata or {})
    metadata[ATTRS_KEY] = json.dumps(frame.attrs).encode()
    if geometry:
        fields.insert(frame.columns.get_loc(geometry), pa.field(geometry, pa.binary()))
        metadata[GEOMETRY_KEY] = geometry.encode()
    return pa.schema(fields, metadata=metadata).serialize().to_pybytes()


def schema_of(blob: bytes) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(blob))


def rebuild(blob: bytes, columns: Mapping[str, Any], rows: int,
            geometry: Optional[Sequence[bytes]] = None) -> pd.DataFrame:
    """The frame *blob* describes, from *columns* (name → values, a sequence or an Arrow
    array; a column absent from it is all null) and the WKB of its geometry (WGS84); a
    GeoDataFrame when it had geometry."""
    schema = schema_of(blob)
    metadata = schema.metadata or {}
    geometry_name = metadata.get(GEOMETRY_KEY, b"").decode() or None
    fields = [f for f in schema if f.name != geometry_name]
    arrays = [_arrow(columns.get(f.name), f.type, rows) for f in fields]
    frame = pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=metadata)).to_pandas()
    if geometry_name:
        position = schema.get_field_index(geometry_name)
        shapes = shapely.from_wkb(np.asarray(
            geometry if geometry is not None else [None] * rows, dtype=object))
        frame.insert(position, geometry_name, gpd.GeoSeries(shapes, crs=WGS84))
        frame = gpd.GeoDataFrame(frame, geometry=geometry_name, crs=WGS84)
    frame.attrs = json.loads(metadata.get(ATTRS_KEY, b"{}"))
    return frame


def types(blob: bytes, names: Sequence[str]) -> dict[str, pa.DataType]:
    """The Arrow types of the columns *names* the frame *blob* describes has, in the
    order of *names*."""
    fields = {field.name: field.type for field in schema_of(blob)}
    return {name: fields[name] for name in names if name in fields}


def values(frame: pd.DataFrame, names: Sequence[str]) -> list[list[Any]]:
    """*frame*'s columns *names* as lists of Python values, None where missing; a column
    *frame* lacks is all None."""
    out = []
    for name in names:
        if name not in frame.columns:
            out.append([None] * len(frame))
            continue
        column = frame[name]
        out.append(column.astype(object).where(column.notna().to_numpy(), None).tolist())
    return out


def ewkb(geometries: np.ndarray, srid: int) -> list[str]:
    """Hex EWKB with *srid* of each geometry: what a geometry column takes in ``COPY``."""
    return shapely.to_wkb(shapely.set_srid(np.asarray(geometries, dtype=object), srid),
                          hex=True, include_srid=True).tolist()


def json_documents(frame: pd.DataFrame, skip: Sequence[str]) -> list[str]:
    """One JSON object per row of *frame*, of every column but *skip*, nulls left out."""
    table = pa.Table.from_pandas(frame.drop(columns=list(skip)), preserve_index=False)
    names = table.column_names
    columns = [_encode_floats(table.column(i).to_pylist())
               if pa.types.is_floating(table.schema.field(i).type)
               else table.column(i).to_pylist() for i in range(len(names))]
    return [json.dumps({k: v for k, v in zip(names, row) if v is not None}, allow_nan=False,
                       ensure_ascii=False) for row in zip(*columns)]


def json_columns(documents: Sequence[Mapping[str, Any]], blob: bytes,
                 skip: Sequence[str]) -> dict[str, list[Any]]:
    """The columns of the JSON *documents* (:func:`json_documents`), by the fields of the
    schema *blob* but *skip*."""
    out = {}
    for field in schema_of(blob):
        if field.name in skip:
            continue
        column = [document.get(field.name) for document in documents]
        if pa.types.is_floating(field.type):
            column = [float(v) if isinstance(v, str) else v for v in column]
        out[field.name] = column
    return out


def _arrow(values: Any, type_: pa.DataType, rows: int) -> Any:
    """*values* (None: all null) as an Arrow array of *type_*."""
    if values is None:
        return pa.nulls(rows, type_)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values.cast(type_)
    return pa.array(values, type=type_, from_pandas=True)


def _encode_floats(column: list[Any]) -> list[Any]:
    return [v if v is None or math.isfinite(v) else repr(v).replace("inf", "Infinity")
            .replace("nan", "NaN") for v in column]


def _geometry_name(frame: pd.DataFrame) -> Optional[str]:
    return frame.active_geometry_name if isinstance(frame, gpd.GeoDataFrame) else None

"""Bulk reads (:mod:`venuefinder.spatialdb.bulk`): values exact through CSV, ragged parts
put back in order, and a region read alike when its rows lie out of order on disk."""

from __future__ import annotations

import math
import struct

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text

from venuefinder.dataset import DatasetCatalog
from venuefinder.errors import SourceError
from venuefinder.spatialdb import PostgisCatalog, bulk, load_dataset
from venuefinder.spatialdb.db import engine_for, parse_url

from .test_catalog import GRAPH_ARRAYS

#: Text that CSV must quote or could mistake for something else.
TEXTS = [None, "", "a,b", 'say "hi"', "two\nlines", "NaN", "NULL", "t", " padded ", "ü €"]
FLOATS = [None, math.nan, math.inf, -math.inf, 0.1, 1 / 3, 5e-324, 2.2250738585072014e-308,
          1.7976931348623157e308, -0.0]
BOOLS = [True, False, None, True, False, None, True, True, False, None]
INTS = [0, -1, 2**63 - 1, -2**63, 7, None, 1, 2, 3, 4]


def test_parts_in_order_moves_whole_parts():
    seq = np.array([2, 0, 1])
    counts = np.array([1, 3, 2])
    values = np.array([[20, 20], [0, 0], [1, 1], [2, 2], [10, 10], [11, 11]])
    moved, ordered = bulk.parts_in_order(seq, counts, values)
    assert moved.tolist() == [3, 2, 1]
    assert ordered[:, 0].tolist() == [0, 1, 2, 10, 11, 20]
    same = bulk.parts_in_order(np.array([0, 1, 2]), counts, values)
    assert same[0] is counts and same[1] is values
    with pytest.raises(SourceError):
        bulk.parts_in_order(seq, np.array([1, 3, 1]), values)


def test_parts_in_order_with_empty_parts():
    moved, ordered = bulk.parts_in_order(np.array([1, 2, 0]), np.array([2, 0, 1]),
                                         np.array([5.0, 6.0, 1.0]))
    assert moved.tolist() == [1, 2, 0] and ordered.tolist() == [1.0, 5.0, 6.0]


def test_rows_in_order():
    table = pa.table({"seq": pa.array([1, 0, 2], pa.int32()), "x": ["b", "a", "c"]})
    ordered = bulk.rows_in_order(table)
    assert ordered.column_names == ["x"] and ordered["x"].to_pylist() == ["a", "b", "c"]
    values = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert bulk.in_order(np.array([1, 0]), values)[:, 0].tolist() == [0.0, 1.0]


def test_real_values():
    data = b"".join(struct.pack(">if", 4, v) for v in (1.5, math.nan, -2.0))
    assert np.array_equal(bulk.real_values(data), np.array([1.5, math.nan, -2.0], np.float32),
                          equal_nan=True)
    assert bulk.real_values(data).dtype == np.float32
    for damaged in (data[:-1], data + struct.pack(">i", -1) + struct.pack(">i", 4)):
        with pytest.raises(SourceError, match="damaged height profiles"):
            bulk.real_values(damaged)


def test_numbers_are_native_and_whole():
    data = struct.pack(">3d", 1.0, 2.0, 3.0)
    values = bulk.numbers(data + data, ">f8", "points", 3)
    assert values.shape == (2, 3) and values.dtype == np.float64 and values.dtype.isnative
    with pytest.raises(SourceError, match="damaged points"):
        bulk.numbers(data[:-8], ">f8", "points", 3)


@pytest.fixture(scope="module")
def cursor(database):
    engine = engine_for(parse_url(database))
    connection = engine.raw_connection()
    try:
        yield connection.driver_connection.cursor()
    finally:
        connection.close()
        engine.dispose()


def test_copy_columns_keeps_every_value(cursor):
    rows = list(zip(range(len(TEXTS)), TEXTS, FLOATS, BOOLS, INTS))
    query = ("SELECT * FROM unnest(%(seq)s::int[], %(s)s::text[], %(x)s::float8[], "
             "%(b)s::bool[], %(i)s::int8[]) AS t(seq, s, x, b, i)")
    params = dict(zip(("seq", "s", "x", "b", "i"), (list(c) for c in zip(*rows))))
    types = {"seq": pa.int32(), "s": pa.large_string(), "x": pa.float64(), "b": pa.bool_(),
             "i": pa.int64()}
    table = bulk.copy_columns(cursor, query, params, types)
    cursor.connection.rollback()
    assert table["s"].to_pylist() == TEXTS
    assert table["b"].to_pylist() == BOOLS and table["i"].to_pylist() == INTS
    got = table["x"].to_pylist()
    for ours, theirs in zip(got, FLOATS):
        assert (ours is None and theirs is None) or struct.pack(">d", ours) == struct.pack(
            ">d", theirs) or (math.isnan(ours) and math.isnan(theirs))
    assert table["x"].null_count == 1
    none = bulk.copy_columns(cursor, query + " WHERE false", params, types)
    cursor.connection.rollback()
    assert none.num_rows == 0 and none.schema.field("s").type == pa.large_string()


def test_a_graph_reads_alike_from_rows_out_of_order(database, helsinki_dataset, monkeypatch):
    """Rows updated move on disk: the server hands them out of order, and they are put
    back in order here."""
    load_dataset(helsinki_dataset, database)
    dataset = DatasetCatalog(helsinki_dataset)
    tile = dataset.tiles()[0].id
    engine = engine_for(parse_url(database))
    with engine.begin() as connection:
        for table in ("geo_nodes", "geo_edges", "geo_spot_heights", "geo_venues",
                      "geo_places", "geo_basemap"):
            connection.execute(text(f"UPDATE {table} SET seq = seq WHERE tile_id = :tile "
                                    "AND seq % 3 = 0"), {"tile": tile})
    engine.dispose()
    seen = []
    ordered = bulk.is_ordered
    monkeypatch.setattr(bulk, "is_ordered", lambda seq: seen.append(ordered(seq)) or seen[-1])
    catalog = PostgisCatalog(database)
    try:
        ours = catalog.read_graph(tile)
        ids = [t.id for t in dataset.tiles()]
        for read in (lambda c: c.read_venues(ids), lambda c: c.read_places(ids),
                     lambda c: c.read_basemap(dataset.bounds)):
            pd.testing.assert_frame_equal(read(catalog), read(dataset))
    finally:
        catalog.close()
    theirs = dataset.read_graph(tile)
    assert False in seen, "the rows came in order: the test tests nothing"
    pd.testing.assert_frame_equal(ours.nodes, theirs.nodes)
    pd.testing.assert_frame_equal(ours.edges, theirs.edges)
    for name in GRAPH_ARRAYS:
        a, b = getattr(ours, name), getattr(theirs, name)
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name

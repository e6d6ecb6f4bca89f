"""Reading many rows fast: as Arrow columns and numpy arrays, no Python object per value.

Turning a tile's walking graph (tens of thousands of rows, a million values) into Python
objects row by row took most of a second; these readers hand the values to C instead:

* :func:`copy_columns` — a query's rows as ``COPY … TO STDOUT (FORMAT csv)``, which
  ``pyarrow`` parses into columns of the types asked for (the exact text of every float:
  ``extra_float_digits`` > 0 writes the shortest text that reads back to the same double);
* :func:`packed` — columns packed on the server into one ``bytea`` each
  (``string_agg(int4send(x), '')``, the raw coordinates of ``ST_AsBinary``…), read by
  ``numpy.frombuffer``.

Neither asks the server to sort: the rows come with their ``seq`` and are put in order here
(:func:`rows_in_order`, :func:`parts_in_order`), nearly always a no-op as a tile's rows
lie on disk as they were written.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from ..errors import SourceError

#: What PostgreSQL's CSV writes: NULL as nothing (an empty string as ``""``), booleans as
#: ``t``/``f``; a value may hold a line break (inside quotes).
_CONVERT = {"null_values": [""], "strings_can_be_null": True,
            "quoted_strings_can_be_null": False, "true_values": ["t"], "false_values": ["f"]}
_PARSE = pcsv.ParseOptions(newlines_in_values=True)


def copy_columns(cursor: Any, query: str, params: Mapping[str, Any],
                 types: Mapping[str, pa.DataType]) -> pa.Table:
    """The rows of *query* (psycopg placeholders; its columns named and typed as *types*,
    in that order) as an Arrow table, through ``COPY … (FORMAT csv)``.

    Parameters
    ----------
    cursor
        A psycopg 3 cursor in the read transaction.
    """
    # Exact float text: the shortest that reads back the same (PostgreSQL 12+: any value
    # above 0, the default 1 unless configured away; before 12, 3 gave 17 digits).
    cursor.execute("SET LOCAL extra_float_digits = 3")
    data = bytearray()
    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params) as copy:
        for block in copy:
            data += block
    if not data:  # pyarrow refuses an empty file
        return pa.schema(list(types.items())).empty_table()
    return pcsv.read_csv(pa.BufferReader(pa.py_buffer(data)),
                         read_options=pcsv.ReadOptions(column_names=list(types)),
                         parse_options=_PARSE,
                         convert_options=pcsv.ConvertOptions(column_types=dict(types),
                                                             **_CONVERT))


def packed(cursor: Any, query: str, params: Mapping[str, Any]) -> tuple[bytes, ...]:
    """The one row of *query*, each column a ``bytea`` (a NULL — no rows aggregated — as
    empty bytes)."""
    cursor.execute(query, params, binary=True)
    return tuple(bytes(value or b"") for value in cursor.fetchone())


def numbers(data: bytes, dtype: str, what: str, width: int = 1) -> np.ndarray:
    """*data* as numbers of *dtype* (e.g. ``>i4``: what ``int4send`` packs), native-endian,
    *width* a row when more than 1.

    Raises
    ------
    SourceError
        *data* is not a whole number of them (*what* names it).
    """
    item = np.dtype(dtype)
    if len(data) % (item.itemsize * width):
        raise SourceError(f"damaged {what} in the PostGIS database: {len(data)} bytes")
    # A copy: a writable array of the graph's own (not the bytes'), like one np.load gives.
    values = np.frombuffer(data, item).astype(item.newbyteorder("="))
    return values.reshape(-1, width) if width > 1 else values


def real_values(data: bytes) -> np.ndarray:
    """The values of ``REAL[]`` arrays packed as ``string_agg(substring(array_send(a) FROM
    21), '')``: past its 20 bytes of header (a one-dimensional array's; an empty array's
    12 leave nothing), ``array_send`` writes each value as its length (4) and its bytes,
    a NULL as the length -1 alone.

    Raises
    ------
    SourceError
        A NULL value, or bytes that are not whole values.
    """
    if len(data) % 8:
        raise SourceError(f"damaged height profiles in the PostGIS database: {len(data)} "
                          "bytes")
    items = np.frombuffer(data, [("size", ">i4"), ("value", ">f4")])
    if (items["size"] != 4).any():
        raise SourceError("damaged height profiles in the PostGIS database: a NULL height "
                          "(NaN says none)")
    return items["value"].astype(np.float32)


def is_ordered(seq: np.ndarray) -> bool:
    """Whether *seq* increases (nearly always: a tile's rows lie on disk as written)."""
    return bool((np.diff(seq) > 0).all())


def rows_in_order(table: pa.Table, seq: str = "seq") -> pa.Table:
    """*table* ordered by its column *seq* (then without it)."""
    order = table.column(seq).to_numpy()
    if not is_ordered(order):
        table = table.take(np.argsort(order, kind="stable"))
    return table.drop_columns([seq])


def in_order(seq: np.ndarray, values: np.ndarray) -> np.ndarray:
    """*values*, one a row of *seq*, ordered by it."""
    if len(seq) != len(values):
        raise SourceError(f"damaged packed rows in the PostGIS database: {len(seq)} rows, "
                          f"{len(values)} values")
    return values if is_ordered(seq) else values[np.argsort(seq, kind="stable")]


def parts_in_order(seq: np.ndarray, counts: np.ndarray,
                   values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ragged parts ordered by *seq*: *values* holds ``counts[i]`` items of the row
    ``seq[i]`` after one another; returns the counts and the values in the order of *seq*."""
    if len(seq) != len(counts) or counts.sum() != len(values):
        raise SourceError(f"damaged packed rows in the PostGIS database: {len(seq)} rows, "
                          f"{len(counts)} counts of {counts.sum()} items, {len(values)} items")
    if is_ordered(seq):
        return counts, values
    order = np.argsort(seq, kind="stable")
    moved = counts[order]
    # Each item's place in *values*: its part's old start plus its place in the part.
    within = np.arange(moved.sum()) - np.repeat(offsets(moved)[:-1], moved)
    return moved, values[np.repeat(offsets(counts)[:-1][order], moved) + within]


def offsets(counts: Sequence[int] | np.ndarray) -> np.ndarray:
    """Offsets of ragged parts of these lengths (``[0, n0, n0 + n1, …]``), int64."""
    return np.concatenate([[0], np.cumsum(np.asarray(counts, dtype=np.int64))]).astype(np.int64)

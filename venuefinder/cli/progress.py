"""A progress bar for the commands that work through tiles (``ingest`` to a dataset,
``load``): the library takes a wrapper of what it iterates, and the bar counts it."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from tqdm import tqdm

#: What the library calls with what it iterates and how many there are.
Progress = Callable[[Iterable[Any], int], Iterator[Any]]


@contextmanager
def tile_bar(desc: str) -> Iterator[Progress]:
    """A bar of tiles on stderr (silent when stderr is no terminal) and the wrapper that
    moves it one tile per item."""
    with tqdm(desc=desc, unit=" tiles", disable=None, file=sys.stderr) as bar:
        def progress(items: Iterable[Any], total: int) -> Iterator[Any]:
            bar.total = total
            bar.refresh()
            for item in items:
                yield item
                bar.update(1)

        yield progress

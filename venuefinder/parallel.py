"""Work on the second core: a function run in a forked process while this one goes on.

Why processes: the hot loops (reading OSM objects, geometry per venue) hold the GIL. Why a
plain forked process and a pipe rather than a pool: nothing to start up or import again, and
no helper thread, so it also works where threads are green (gevent workers).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any, Callable

from .errors import SourceError


def spare_core() -> bool:
    """Whether this process may run on more than one core (and can fork): not in a
    daemonic process (a Dask worker's, say), which may not have children."""
    if multiprocessing.current_process().daemon:
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores > 1 and hasattr(os, "fork")


class Forked:
    """``with Forked(function, *args) as job: …; job.result()``: *function* runs in a forked
    process from entering the block; ``result()`` gives its return value (pickled back) or
    raises its exception. Leaving the block on an error kills the process."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        self._function, self._args = function, args

    def __enter__(self) -> "Forked":
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._conn, child_conn = context.Pipe(duplex=False)
        self._process = context.Process(target=_run_and_send,
                                        args=(child_conn, self._function, self._args),
                                        daemon=True)
        self._process.start()
        child_conn.close()
        return self

    def result(self) -> Any:
        """The function's return value (waited for once, then kept); its exception is
        raised here."""
        if not hasattr(self, "_answer"):
            try:
                self._answer = self._conn.recv()
            except EOFError:
                raise SourceError("a worker process ended without an answer "
                                  "(out of memory?)") from None
        ok, value = self._answer
        if not ok:
            raise value
        return value

    def __exit__(self, *exc: object) -> None:
        self._conn.close()
        if exc[0] is not None and self._process.is_alive():
            self._process.kill()  # this side failed: the worker's answer is not wanted
        self._process.join()


def _run_and_send(conn: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        answer: tuple[bool, Any] = (True, function(*args))
    except BaseException as exc:  # sent to the parent, which raises it
        answer = (False, exc)
    try:
        conn.send(answer)
    except Exception as exc:  # an answer or exception that cannot be pickled
        conn.send((False, SourceError(f"a worker process could not answer: {exc}")))
    conn.close()

"""Work on the second core: answers and errors come back from the forked process."""

from __future__ import annotations

import os

import pytest

from venuefinder.errors import InputError, SourceError
from venuefinder.parallel import Forked


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _refuse(message: str) -> None:
    raise InputError(message)


def _unpicklable() -> object:
    return lambda: None


def test_the_answer_comes_from_another_process() -> None:
    with Forked(_pid_and_square, 12) as job:
        pid, square = job.result()
    assert square == 144 and pid != os.getpid()


def test_its_exception_is_raised_here() -> None:
    with Forked(_refuse, "no room") as job:
        with pytest.raises(InputError, match="no room"):
            job.result()


def test_an_answer_that_cannot_travel_is_a_clear_error() -> None:
    with Forked(_unpicklable) as job:
        with pytest.raises(SourceError, match="could not answer"):
            job.result()


def test_failing_here_stops_the_worker() -> None:
    with pytest.raises(RuntimeError):
        with Forked(os.sched_yield) as job:
            raise RuntimeError("this side failed")
    assert not job._process.is_alive()

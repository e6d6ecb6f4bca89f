"""Skipping rules shared by the web tests that need a browser or installed assets.

Locally a missing tool skips with a one-line reason; under ``CI=true`` the same situation
fails, because CI must run every test (a green run that skipped the browser proves nothing).
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip with *reason*, or fail with it when ``CI=true``."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)", pytrace=False)
    pytest.skip(reason)

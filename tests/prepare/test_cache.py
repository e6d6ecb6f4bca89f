"""The region cache's key covers every module that prepares the region."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from venuefinder.diskcache import PACKAGE_DIR

KEY = ("from pathlib import Path; from venuefinder.config import Settings; "
       "from venuefinder.prepare.cache import region_key; "
       "print(region_key(Path({source!r}), None, Settings(cache_dir={cache!r})))")


def _key(package_parent: Path, source: Path, cache: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    done = subprocess.run([sys.executable, "-c", KEY.format(source=str(source),
                                                             cache=str(cache))],
                          env=env, capture_output=True, text=True, check=True,
                          cwd=package_parent)
    return done.stdout.strip()


def test_editing_the_meeting_points_changes_the_region_key(tmp_path: Path,
                                                           helsinki_path: Path):
    copy = tmp_path / "venuefinder"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _key(tmp_path, helsinki_path, tmp_path / "cache")
    assert before == _key(tmp_path, helsinki_path, tmp_path / "cache")
    meeting = copy / "meeting.py"
    meeting.write_text(meeting.read_text().replace("ENTRANCE_REACH_M = 10.0",
                                                   "ENTRANCE_REACH_M = 12.0"))
    assert _key(tmp_path, helsinki_path, tmp_path / "cache") != before

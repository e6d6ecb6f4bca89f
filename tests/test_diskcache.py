"""Cache entries keyed by the code that made them (import closures), written atomically."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from venuefinder.diskcache import (PACKAGE_DIR, atomic_folder, code_fingerprint, entry_key,
                                   import_closure)


def _package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "venuefinder"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "static",
                                                                     "templates"))
    return copy


def _names(paths: list[Path], root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in paths}


def test_the_closure_follows_relative_absolute_and_function_level_imports(tmp_path: Path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from .. import leaf\n")
    (package / "root.py").write_text("from .sub import deep\n\ndef later():\n"
                                     "    import pkg.lazy\n")
    (package / "sub" / "deep.py").write_text("from pkg import other\n")
    for name in ("leaf", "lazy", "other", "unrelated"):
        (package / f"{name}.py").write_text("")
    found = _names(import_closure(["pkg.root"], package), package)
    assert found == {"__init__.py", "root.py", "sub/__init__.py", "sub/deep.py", "leaf.py",
                     "lazy.py", "other.py"}


def test_the_prepared_region_depends_on_the_meeting_points_and_not_on_the_web():
    files = _names(import_closure(["venuefinder.prepare"]), PACKAGE_DIR)
    # The meeting points are cached with the region: an edit there must re-key it (the old
    # hand-written list missed this module, so cached meeting points went stale).
    assert {"meeting.py", "venues.py", "prepare/__init__.py", "scoring/room.py",
            "vocabulary/__init__.py", "sources/osm_file.py"} <= files
    assert not any(f.startswith(("web/", "store/", "routes/")) for f in files)
    assert "cli.py" not in files


def test_an_edit_to_any_module_of_the_closure_changes_the_fingerprint(tmp_path: Path):
    copy = _package_copy(tmp_path)
    roots = ("venuefinder.prepare",)
    before = code_fingerprint(roots, copy)
    closure = import_closure(roots, copy)
    assert len(closure) > 20
    for path in closure:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# a changed rule\n")
        code_fingerprint.cache_clear()
        assert code_fingerprint(roots, copy) != before, path
        path.write_bytes(original)
    code_fingerprint.cache_clear()
    assert code_fingerprint(roots, copy) == before
    outside = copy / "web" / "app.py"
    outside.write_text(outside.read_text() + "\n# not part of a prepared region\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint(roots, copy) == before


def test_entry_keys_differ_by_identity():
    assert entry_key("x", {"a": 1}) != entry_key("x", {"a": 2})
    assert entry_key("x", {"a": 1, "b": 2}) == entry_key("x", {"b": 2, "a": 1})


def test_an_entry_replaces_the_old_one_whole_or_not_at_all(tmp_path: Path):
    with atomic_folder(tmp_path, "entry") as folder:
        (folder / "data").write_text("first")
    with pytest.raises(RuntimeError):
        with atomic_folder(tmp_path, "entry") as folder:
            (folder / "data").write_text("half")
            raise RuntimeError("crash while writing")
    assert (tmp_path / "entry" / "data").read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["entry"]  # no temporary folder left
    with atomic_folder(tmp_path, "entry") as folder:
        (folder / "other").write_text("second")
    assert sorted(p.name for p in (tmp_path / "entry").iterdir()) == ["other"]

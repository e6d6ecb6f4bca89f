"""Cache entries on disk that a run can trust: keyed by everything that made them, written
atomically.

An entry is a folder. Its key hashes the inputs' identities (a file's path, size and mtime),
the settings that shape it and the code that computed it: :func:`code_fingerprint` hashes
every module in the import closure of the code that builds the entry, so an edit to any of
them, including one imported later by a new rule, makes a new key by construction. A folder
is written beside its final place and renamed into it (:func:`atomic_folder`), so a crash
never leaves half an entry. A leaf: it imports nothing of venuefinder.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

#: CPython 3.11's parser is not safe to run from two threads at once (seen: "AST
#: constructor recursion depth mismatch" when graphs were built in parallel).
_PARSING = threading.Lock()
#: The package whose modules :func:`code_fingerprint` reads.
PACKAGE_DIR = Path(__file__).resolve().parent


def file_identity(path: Optional[Path]) -> Optional[list[object]]:
    """What identifies an input file for a cache key: its resolved path, size and mtime
    (``["auto"]`` for the terrain-tile DEM setting, None for no file)."""
    if path is None:
        return None
    if str(path).strip().lower() == "auto":
        return ["auto"]
    stat = Path(path).stat()
    return [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]


def import_closure(roots: Iterable[str], package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The files of every module of the package that *roots* (dotted module names) import,
    directly or not, at the top of a module or inside a function, with the packages that
    hold them; sorted.

    Read from the source (no import runs), so the answer is the same in every process.
    """
    package = package_dir.name
    found: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        path = _module_file(name, package, package_dir)
        if path is None:
            continue
        found[name] = path
        parent = name.rpartition(".")[0]
        if parent.startswith(package):
            todo.append(parent)
        todo.extend(_imports(name, path, package, package_dir))
    return sorted(found.values())


@lru_cache(maxsize=None)
def code_fingerprint(roots: tuple[str, ...], package_dir: Path = PACKAGE_DIR) -> str:
    """Hash of the source of :func:`import_closure` of *roots*."""
    digest = hashlib.sha256()
    for path in import_closure(roots, package_dir):
        digest.update(str(path.relative_to(package_dir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def entry_key(name: str, identity: dict[str, Any]) -> str:
    """A folder name: *name* plus a hash of *identity* (JSON-serialisable)."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return f"{name}-{digest[:20]}"


@contextmanager
def atomic_folder(parent: Path, key: str) -> Iterator[Path]:
    """A fresh folder to write an entry into; on leaving the block without error it
    replaces ``parent/key`` whole, else it is removed and the error raised.

    Raises
    ------
    OSError
        The folder cannot be made, written or renamed (the caller decides whether a cache
        that cannot be written matters).
    """
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
    try:
        yield tmp
        target = parent / key
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _module_file(name: str, package: str, package_dir: Path) -> Optional[Path]:
    if name != package and not name.startswith(package + "."):
        return None
    parts = name.split(".")[1:]
    base = package_dir.joinpath(*parts)
    for path in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if path is not None and path.is_file():
            return path
    return None


def _imports(name: str, path: Path, package: str, package_dir: Path) -> list[str]:
    """Dotted names of the package's modules that module *name* imports."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    names = []
    with _PARSING:
        tree = ast.parse(path.read_bytes(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(here[:len(here) - node.level + 1]
                                + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            names.append(base)
            # ``from package import module`` names a module, not only an attribute.
            names += [f"{base}.{alias.name}" for alias in node.names
                      if _module_file(f"{base}.{alias.name}", package, package_dir)]
    return [n for n in names if n == package or n.startswith(package + ".")]

#!/usr/bin/env python3
"""Copy the front-end libraries the map needs from ``web/node_modules`` into the package.

The map page is served entirely by the app (no CDN), so Leaflet's dist files must sit in
``venuefinder/web/static/vendor/``. That folder is git-ignored: third-party bundles are never
committed, they are installed by name from the npm registry at set-up::

    npm ci --prefix web && python web/install_assets.py

Only what the page loads is copied (Leaflet's JS, CSS, the images its CSS points at, and its
licence). The list lives in ``venuefinder.web.assets.VENDOR_FILES`` so that the app, this
script and the tests agree on it; this script reads it without importing the package (which
would pull in Flask and geopandas) by parsing that module's source.
"""

from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "web" / "node_modules"
ASSETS_MODULE = ROOT / "venuefinder" / "web" / "assets.py"
VENDOR_DIR = ROOT / "venuefinder" / "web" / "static" / "vendor"


def vendor_files() -> dict[str, str]:
    """``VENDOR_FILES`` of ``venuefinder/web/assets.py``: destination → node_modules path."""
    tree = ast.parse(ASSETS_MODULE.read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and target.id == "VENDOR_FILES" and node.value:
            return dict(ast.literal_eval(node.value))
    raise SystemExit(f"VENDOR_FILES not found in {ASSETS_MODULE}")


def main() -> int:
    """Copy every vendor file; exit 1 with a hint when ``npm ci`` has not been run."""
    files = vendor_files()
    missing = [src for src in files.values() if not (NODE_MODULES / src).is_file()]
    if missing:
        print(f"install_assets: {len(missing)} file(s) missing under {NODE_MODULES} "
              f"(first: {missing[0]}); run `npm ci --prefix web` first", file=sys.stderr)
        return 1
    # Start clean so that a file dropped from VENDOR_FILES does not linger and get shipped.
    if VENDOR_DIR.exists():
        shutil.rmtree(VENDOR_DIR)
    for dest, src in files.items():
        target = VENDOR_DIR / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE_MODULES / src, target)
    versions = {}
    for src in files.values():
        package = src.split("/")[0]
        manifest = NODE_MODULES / package / "package.json"
        versions[package] = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    (VENDOR_DIR / "versions.json").write_text(json.dumps(versions, indent=2) + "\n",
                                               encoding="utf-8")
    print(f"install_assets: copied {len(files)} files into {VENDOR_DIR.relative_to(ROOT)} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(versions.items()))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

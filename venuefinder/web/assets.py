"""Front-end libraries served by the app itself (never from a CDN).

The files are installed from the npm registry at set-up (``web/package.json``) and copied into
``venuefinder/web/static/vendor/`` (git-ignored) by ``web/install_assets.py``, which reads
:data:`VENDOR_FILES` from this module's source: keep it a plain literal.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

log = logging.getLogger("venuefinder.web")

#: The command that installs the vendor files from a source checkout.
INSTALL_COMMAND = "npm ci --prefix web && python web/install_assets.py"

#: Destination under ``static/vendor/`` → source under ``web/node_modules/``. Only Leaflet:
#: folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) are not used by
#: the page, so they are dropped rather than shipped.
VENDOR_FILES: dict[str, str] = {
    "leaflet/leaflet.js": "leaflet/dist/leaflet.js",
    "leaflet/leaflet.css": "leaflet/dist/leaflet.css",
    "leaflet/images/layers.png": "leaflet/dist/images/layers.png",
    "leaflet/images/layers-2x.png": "leaflet/dist/images/layers-2x.png",
    "leaflet/images/marker-icon.png": "leaflet/dist/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png": "leaflet/dist/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png": "leaflet/dist/images/marker-shadow.png",
    "leaflet/LICENSE": "leaflet/LICENSE",
}

#: What folium links instead of its CDN defaults (``static/vendor/`` relative paths).
FOLIUM_JS: list[tuple[str, str]] = [("leaflet", "leaflet/leaflet.js")]
FOLIUM_CSS: list[tuple[str, str]] = [("leaflet_css", "leaflet/leaflet.css")]

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"


def missing_vendor_files(vendor_dir: Optional[Path] = None) -> list[str]:
    """Vendor files the page links that are not installed (relative to ``static/vendor``).

    *vendor_dir* defaults to :data:`VENDOR_DIR`, read at call time so tests can move it.
    """
    folder = VENDOR_DIR if vendor_dir is None else vendor_dir
    needed = [path for _, path in FOLIUM_JS + FOLIUM_CSS]
    return [path for path in needed if not (folder / path).is_file()]


def warn_if_missing(vendor_dir: Optional[Path] = None) -> list[str]:
    """Log one line naming the install command when vendor files are missing.

    Returns
    -------
    list of str
        The missing files (empty when all are installed).
    """
    folder = VENDOR_DIR if vendor_dir is None else vendor_dir
    missing = missing_vendor_files(folder)
    if missing:
        log.warning("map assets missing (%s under %s): the page renders without its map; "
                    "install them from a source checkout with: %s",
                    ", ".join(missing), folder, INSTALL_COMMAND)
    return missing

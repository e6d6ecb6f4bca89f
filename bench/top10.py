"""Print the top 10 venues of real extracts with their reasons, for a coach to read.

Regions: the embedded Helsinki extract, and from ../shared (skipped when absent) Andorra
and North Bayreuth. Each is prepared like `venuefinder venues` does (parsed, scored,
cached under .cache/bench/regions) and queried around its centre with the widest radius.

    .venv/bin/python bench/top10.py [--limit 10] [--dem PATH|auto]
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "osm"


def regions() -> list[tuple[str, Path]]:
    from venuefinder.config import embedded_extract

    found = [("Helsinki (embedded)", embedded_extract())]
    for name, file in (("Andorra", "andorra-latest.osm.pbf"),
                       ("North Bayreuth", "north-bayreuth.osm.gz")):
        path = SHARED / file
        if path.exists():
            found.append((name, path))
        else:
            print(f"(skipped {name}: {path} is absent)")
    return found


def main() -> None:
    from venuefinder.cli.commands import format_table
    from venuefinder.config import Settings
    from venuefinder.prepare import prepare_region

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--dem", default=None)
    args = parser.parse_args()
    for name, path in regions():
        settings = Settings(source=str(path), dem=args.dem,
                            cache_dir=ROOT / ".cache" / "bench" / "regions")
        region = prepare_region(settings)
        lat, lon = region.center
        radius = settings.max_radius_m
        print(f"\n===== {name}: {len(region.venues)} venues; top {args.limit} within "
              f"{radius / 1000:.0f} km of the centre")
        collection = region.near(lat, lon, radius, args.limit)
        print(format_table(collection["features"], lat, lon, radius))


if __name__ == "__main__":
    main()

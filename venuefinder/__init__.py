"""venuefinder: safe places to run backwards, scored from OpenStreetMap with reasons.

Data flows one way: ``sources`` (OSM extract, Overpass, DEM) → ``venues`` (the venue
GeoDataFrame) → ``scoring`` (one pure module per criterion) → ``region`` (scored venues in
memory, cached on disk) → ``cli`` and ``web``.
"""

__version__ = "0.1.0"

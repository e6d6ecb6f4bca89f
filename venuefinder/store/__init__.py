"""The store: hazard reports in SQLite (default) or PostgreSQL, behind small functions.

* :mod:`.models` — the SQLAlchemy 2 tables.
* :mod:`.db` — :func:`~.db.open_store` (engine and sessions from a URL, SQLite pragmas,
  write transactions that lock), :func:`~.db.upgrade` (Alembic migrations shipped in
  ``migrations/``).
* :mod:`.hazards` — the service functions the web and CLI call; never raw SQL in views.

The hazard vocabulary (kinds, severities, lifetimes, thresholds) is a leaf below every room,
:mod:`venuefinder.vocabulary.hazards`, so the pure ``hazards`` criterion reads it without
pulling in SQLAlchemy.
"""

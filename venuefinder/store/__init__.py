"""The store: hazard reports in SQLite (default) or PostgreSQL, behind small functions.

* :mod:`.vocabulary` — kinds, severities, lifetimes, thresholds (a leaf; no database import,
  so the pure ``hazards`` criterion reads it without pulling in SQLAlchemy).
* :mod:`.models` — the SQLAlchemy 2 tables.
* :mod:`.db` — :func:`~.db.open_store` (engine and sessions from a URL, SQLite pragmas,
  write transactions that lock), :func:`~.db.upgrade` (Alembic migrations shipped in
  ``migrations/``).
* :mod:`.hazards` — the service functions the web and CLI call; never raw SQL in views.

This package module imports nothing on purpose (see :mod:`.vocabulary`).
"""

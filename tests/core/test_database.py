"""SQLite is set up so that the web process and the worker can share it."""

from __future__ import annotations

from django.db import connection

import pytest


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("these settings only concern SQLite")
    settings_dict = connection.settings_dict
    assert settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_a_file_database_uses_write_ahead_logging(tmp_path):
    import sqlite3

    from django.db.backends.sqlite3.base import DatabaseWrapper

    from portal.settings.base import SQLITE_OPTIONS

    wrapper = DatabaseWrapper(
        {
            "NAME": str(tmp_path / "portal.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        }
    )
    wrapper.ensure_connection()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    finally:
        wrapper.close()
    assert sqlite3.connect(tmp_path / "portal.sqlite3").execute("PRAGMA journal_mode").fetchone()[0] == "wal"

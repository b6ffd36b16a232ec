"""Binding tables to an engine, and applying Piccolo migrations programmatically."""

from __future__ import annotations

import contextlib
import io
import os

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine.base import Engine

from backend.db import piccolo_conf
from backend.db.tables import ALL_TABLES


def bind(engine: Engine) -> None:
    """Point every table, and Piccolo's migration runner, at ``engine``."""
    piccolo_conf.DB = engine
    for table in ALL_TABLES:
        table._meta.db = engine
    from piccolo.apps.migrations.tables import Migration

    Migration._meta.db = engine


class MigrationError(RuntimeError):
    pass


async def migrate(engine: Engine, *, quiet: bool = True) -> str:
    """Apply every migration not yet applied; returns what the runner printed."""
    os.environ.setdefault("PICCOLO_CONF", "backend.db.piccolo_conf")
    bind(engine)
    output = io.StringIO()
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise MigrationError(f"migrations failed: {result.message}\n{output.getvalue()}")
    return output.getvalue()


def current_engine() -> Engine:
    """The engine the tables are bound to (the running application's)."""
    return piccolo_conf.DB

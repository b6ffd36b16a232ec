"""Piccolo's configuration module (``PICCOLO_CONF=backend.db.piccolo_conf``).

``DB`` is created on first use from the settings (nothing happens at import time);
:func:`backend.db.schema.bind` replaces it with the engine of the running application or
command, so tables and migrations share one.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["backend.db.piccolo_app"])


def __getattr__(name: str) -> Any:
    if name == "DB":
        from backend.db.engine import build_engine
        from backend.settings import get_settings

        engine = build_engine(get_settings().database_url)
        globals()["DB"] = engine
        return engine
    raise AttributeError(name)

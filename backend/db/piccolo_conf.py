"""Piccolo's configuration module (``PICCOLO_CONF=backend.db.piccolo_conf``).

``DB`` is the engine Piccolo's migration runner uses; :func:`backend.db.schema.bind` replaces
it with the running application's engine so tables and migrations share one.
"""

from piccolo.conf.apps import AppRegistry

from backend.db.engine import build_engine
from backend.settings import get_settings

DB = build_engine(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["backend.db.piccolo_app"])

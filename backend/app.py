"""The application factory. Nothing runs at import time: call :func:`create_app`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Receive, Scope, Send

from backend.accounts.auth import SessionAuthMiddleware, provide_user
from backend.accounts.controller import AuthController, MeController, UserController
from backend.attendance.controller import (
    MemberAttendanceController,
    MyAbsenceController,
    MyAttendanceController,
    RollCallController,
)
from backend.calendar.controller import (
    CalendarFeedController,
    GroupCalendarController,
    MyCalendarLinkController,
)
from backend.curricula.controller import CurriculumController, GroupProgressController
from backend.db import use_database
from backend.db.connections import open_database
from backend.db.engine import build_engine, stop_engine
from backend.db.schema import bind
from backend.feedback.controller import FeedbackFiguresController, MyFeedbackController
from backend.followup.controller import FollowUpController
from backend.groups.controller import GroupController, MemberController
from backend.guides.controller import GuideController
from backend.guides.site import guides_site_router
from backend.lib.i18n import LanguageMiddleware
from backend.lib.openapi import StrictStructSchemaPlugin, document_problems
from backend.lib.problems import EXCEPTION_HANDLERS
from backend.lib.requests import MAX_BODY_BYTES, LingkarRequest
from backend.lib.routing import AllowHeaderMiddleware
from backend.lib.security import SecurityHeadersMiddleware
from backend.purposes.controller import PurposeController
from backend.reminders import service as reminders
from backend.reminders.controller import MyRemindersController
from backend.reports.controller import ReportController
from backend.rights import service as rights
from backend.rights.controller import ErasureController, MyDataController
from backend.scheduling.controller import (
    GroupSessionController,
    MySessionController,
    SessionController,
)
from backend.settings import Settings, get_settings, signing_secret

WEB_DIR = Path(__file__).parent / "web"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

API_CONTROLLERS: list = [
    AuthController,
    MeController,
    UserController,
    MemberController,
    GroupController,
    PurposeController,
    GuideController,
    GroupSessionController,
    SessionController,
    MySessionController,
    GroupCalendarController,
    MyCalendarLinkController,
    CalendarFeedController,
    RollCallController,
    MyAbsenceController,
    MyAttendanceController,
    MemberAttendanceController,
    ReportController,
    FollowUpController,
    CurriculumController,
    GroupProgressController,
    MyFeedbackController,
    FeedbackFiguresController,
    MyRemindersController,
    MyDataController,
    ErasureController,
]
SWAGGER_UI_PATH = "/static/swagger-ui"


class CSRFOnWrites(CSRFMiddleware):
    """Litestar's CSRF check on every write. On reads, only the routes that hand out the token
    cookie pay for it: pages with forms (``csrf_cookie=True``: the page embeds the token), and
    ``GET /api/v1/me`` (``csrf_cookie="api"``: only while the client has no cookie yet)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in SAFE_METHODS:
            handler = scope.get("route_handler")
            wants = None if handler is None else handler.opt.get("csrf_cookie")
            if not wants or (wants == "api" and _has_cookie(scope, CSRF_COOKIE_PREFIX)):
                await self.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


CSRF_COOKIE_PREFIX = b"csrftoken="


def _has_cookie(scope: Scope, prefix: bytes) -> bool:
    return any(key == b"cookie" and prefix in value for key, value in scope["headers"])


def _web_routers() -> list:
    from backend.web.pages import WEB_CONTROLLERS

    return list(WEB_CONTROLLERS)


def _jinja_i18n(engine: JinjaTemplateEngine) -> None:
    from backend.web.render import install_i18n

    install_i18n(engine.engine)


def _swagger_ui() -> tuple[Any, SwaggerRenderPlugin]:
    """Swagger UI's scripts and styles, served by Lingkar from a package (no CDN): /schema
    works without an internet connection."""
    from swagger_ui_bundle import swagger_ui_path

    files = create_static_files_router(
        path=SWAGGER_UI_PATH,
        directories=[Path(swagger_ui_path)],
        name="swagger-ui",
        include_in_schema=False,
    )
    plugin = SwaggerRenderPlugin(
        js_url=f"{SWAGGER_UI_PATH}/swagger-ui-bundle.js",
        css_url=f"{SWAGGER_UI_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{SWAGGER_UI_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_UI_PATH}/favicon-32x32.png'>",
    )
    return files, plugin


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    secret = signing_secret(settings)
    engine = build_engine(settings.database_url)
    database = open_database(settings.database_url, serving=True)

    async def on_startup(app: Litestar) -> None:
        bind(engine)
        await database.start()
        use_database(database)
        app.state.reminder_task = reminders.start(settings, secret)
        app.state.retention_task = rights.start(settings.retention_years)

    async def on_shutdown(app: Litestar) -> None:
        await reminders.stop(app.state.pop("reminder_task", None))
        await rights.stop(app.state.pop("retention_task", None))
        await database.close()
        await stop_engine(engine)

    swagger_files, swagger_plugin = _swagger_ui()
    route_handlers: list[Any] = [
        Router(
            path="/",
            route_handlers=API_CONTROLLERS,
            dependencies={"user": Provide(provide_user)},
        ),
        *_web_routers(),
        create_static_files_router(
            path="/static",
            directories=[WEB_DIR / "static"],
            name="static",
            include_in_schema=False,
        ),
        swagger_files,
    ]
    if settings.site_dir.is_dir():
        route_handlers.append(guides_site_router(settings.site_dir))

    csrf = CSRFConfig(
        secret=secret,
        cookie_secure=settings.cookie_secure,
        cookie_samesite="lax",
        # Logging in is not a cookie-authenticated write.
        exclude=["/api/v1/auth/login"],
    )
    app = Litestar(
        route_handlers=route_handlers,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        middleware=[
            SecurityHeadersMiddleware(),
            AllowHeaderMiddleware(),
            SessionAuthMiddleware(),
            LanguageMiddleware(settings.default_language, settings.cookie_secure),
            DefineMiddleware(CSRFOnWrites, config=csrf),
        ],
        plugins=[StrictStructSchemaPlugin()],
        request_class=LingkarRequest,
        request_max_body_size=MAX_BODY_BYTES,
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Lingkar API",
            version="1.0.0",
            description=(
                "Schedule small-group sessions and record each member's attendance and "
                "participation against the six Toseland-Rivas group purposes."
            ),
            path="/schema",
            render_plugins=[swagger_plugin, JsonRenderPlugin()],
        ),
        template_config=TemplateConfig(
            directory=WEB_DIR / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=_jinja_i18n,
        ),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="always",
            disable_stack_trace={400, 401, 403, 404, 405, 409, 412, 413, 422, 429},
        ),
        debug=settings.debug,
    )
    document_problems(app)
    app.state.settings = settings
    app.state.secret_key = secret
    app.state.engine = engine
    app.state.database = database
    logging.getLogger("lingkar").setLevel(logging.INFO)
    # aiosqlite (under Piccolo's engine, used by commands) logs every statement with its
    # parameters at DEBUG: that would put confidential notes and password hashes in the logs.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    return app

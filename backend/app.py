"""The application factory. Nothing runs at import time: call :func:`create_app`."""

from __future__ import annotations

import logging
from pathlib import Path

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.logging import LoggingConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from backend.accounts.auth import SessionAuthMiddleware
from backend.accounts.controller import AuthController, MeController, UserController
from backend.attendance.controller import (
    MemberAttendanceController,
    MyAttendanceController,
    RollCallController,
)
from backend.calendar.controller import (
    CalendarFeedController,
    GroupCalendarController,
    MyCalendarLinkController,
)
from backend.db.engine import build_engine, start_engine, stop_engine
from backend.db.schema import bind
from backend.groups.controller import GroupController, MemberController
from backend.guides.controller import GuideController
from backend.lib.errors import EXCEPTION_HANDLERS
from backend.lib.security import SecurityHeadersMiddleware
from backend.purposes.controller import PurposeController
from backend.reports.controller import ReportController
from backend.scheduling.controller import (
    GroupSessionController,
    MySessionController,
    SessionController,
)
from backend.settings import Settings, get_settings

WEB_DIR = Path(__file__).parent / "web"

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
    MyAttendanceController,
    MemberAttendanceController,
    ReportController,
]


def _web_routers() -> list:
    from backend.web.pages import WEB_CONTROLLERS

    return list(WEB_CONTROLLERS)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    engine = build_engine(settings.database_url)

    async def on_startup(app: Litestar) -> None:
        bind(engine)
        await start_engine(engine)

    async def on_shutdown(app: Litestar) -> None:
        await stop_engine(engine)

    route_handlers: list = [*API_CONTROLLERS, *_web_routers()]
    route_handlers.append(
        create_static_files_router(
            path="/static", directories=[WEB_DIR / "static"], name="static", include_in_schema=False
        )
    )
    if settings.site_dir.is_dir():
        route_handlers.append(
            create_static_files_router(
                path="/guides",
                directories=[settings.site_dir],
                html_mode=True,
                name="site",
                include_in_schema=False,
            )
        )

    app = Litestar(
        route_handlers=[Router(path="/", route_handlers=route_handlers)],
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        middleware=[
            SecurityHeadersMiddleware(),
            SessionAuthMiddleware(),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.cookie_secure,
            cookie_samesite="lax",
            # Logging in is not a cookie-authenticated write; feeds are read-only.
            exclude=["/api/v1/auth/login"],
        ),
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Lingkar API",
            version="1.0.0",
            description=(
                "Schedule small-group sessions and record each member's attendance and "
                "participation against the six Toseland-Rivas group purposes."
            ),
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin(), JsonRenderPlugin()],
        ),
        template_config=TemplateConfig(directory=WEB_DIR / "templates", engine=JinjaTemplateEngine),
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="always",
            disable_stack_trace={400, 401, 403, 404, 405, 409, 422, 429},
        ),
        debug=settings.debug,
    )
    app.state.settings = settings
    app.state.engine = engine
    logging.getLogger("lingkar").setLevel(logging.INFO)
    # aiosqlite logs every statement with its parameters at DEBUG: that would put confidential
    # notes and password hashes into the logs, so it never logs below INFO.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    return app

"""The built guides site, served at ``/guides/``.

The site's pages are directories (``purposes/index.html``) and every link in them is relative,
so a page must be addressed with its trailing slash: ``/guides/id/purposes`` would load the
right HTML but resolve its stylesheets and links one level too high. A request for a
directory without the slash is therefore redirected (301) to the same path with it, query
string kept; files, and paths that are not directories of the site, are served as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import unquote

from litestar import Request, Router
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_301_MOVED_PERMANENTLY

SITE_PATH = "/guides"


def _directory_redirect(
    site_dir: Path, mount: str
) -> Callable[[Request], Awaitable[Redirect | None]]:
    root = site_dir.resolve()

    async def redirect_directory(request: Request) -> Redirect | None:
        # The router drops a trailing slash from scope["path"]; raw_path keeps it.
        raw = request.scope.get("raw_path", b"").decode("latin-1")
        path = raw.split("?", 1)[0] or request.scope["path"]
        if path.endswith("/"):
            return None
        rest = unquote(path.removeprefix(mount)).lstrip("/")
        last = rest.rsplit("/", 1)[-1]
        if "." in last:  # a file name (style.css, index.html): never a page directory
            return None
        target = (root / rest).resolve()
        if not target.is_relative_to(root) or not (target / "index.html").is_file():
            return None
        query = request.scope.get("query_string", b"").decode("latin-1")
        location = f"{path}/" + (f"?{query}" if query else "")
        return Redirect(location, status_code=HTTP_301_MOVED_PERMANENTLY)

    return redirect_directory


def guides_site_router(site_dir: Path, path: str = SITE_PATH) -> Router:
    """The route handler for the built site at ``path`` (HTML mode: directories serve their
    ``index.html``, unknown paths the site's ``404.html``), with the trailing-slash redirect."""
    return create_static_files_router(
        path=path,
        directories=[site_dir],
        html_mode=True,
        name="site",
        include_in_schema=False,
        before_request=_directory_redirect(site_dir, path.rstrip("/")),
    )

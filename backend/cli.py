"""``lingkar`` — serve, migrate, demo, create-user, build-site, export, import, rebuild-figures,
import-curriculum."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from backend.settings import REPO_ROOT, ConfigurationError, Settings, get_settings

os.environ.setdefault("PICCOLO_CONF", "backend.db.piccolo_conf")


async def _with_engine(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(engine)`` with Piccolo's engine bound and the application's database open
    (services take their transactions from it)."""
    from backend.db import use_database
    from backend.db.connections import open_database
    from backend.db.engine import build_engine, stop_engine
    from backend.db.schema import bind

    engine = build_engine(settings.database_url)
    bind(engine)
    database = open_database(settings.database_url)
    await database.start()
    use_database(database)
    try:
        return await work(engine)
    finally:
        use_database(None)
        await database.close()
        await stop_engine(engine)


async def _migrate(engine: Any) -> None:
    from backend.db.schema import migrate

    await migrate(engine)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_with_engine(settings, _migrate))
    print("Database is up to date.")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from backend.demo import load_demo

    async def work(engine: Any) -> None:
        await _migrate(engine)
        print(await load_demo(force=args.force))

    asyncio.run(_with_engine(settings, work))
    return 0


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat it: ") != first:
            raise SystemExit("The passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    import msgspec

    from backend.accounts import service
    from backend.accounts.schemas import UserCreate
    from backend.lib.errors import LingkarError

    password = _read_password("Password (at least 8 characters): ")
    try:
        data = msgspec.convert(
            {
                "email": args.email,
                "display_name": args.name,
                "role": args.role,
                "password": password,
            },
            UserCreate,
        )
    except msgspec.ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(engine: Any) -> Any:
        await _migrate(engine)
        return await service.create_user(data)

    try:
        user = asyncio.run(_with_engine(settings, work))
    except LingkarError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    print(f"Created {user.role} {user.email} (id {user.id}).")
    return 0


def site_is_stale(settings: Settings) -> bool:
    index = settings.site_dir / "index.html"
    if not index.exists():
        return True
    built = index.stat().st_mtime
    sources = [REPO_ROOT / "mkdocs.yml", REPO_ROOT / "backend" / "domain" / "vocabulary.py"]
    sources.extend((REPO_ROOT / "backend" / "guides").glob("*.py"))
    for folder in ("site", "site_overrides", "facilitator_guides"):
        sources.extend(p for p in (REPO_ROOT / folder).rglob("*") if p.is_file())
    return any(p.stat().st_mtime > built for p in sources if p.exists())


def build_site(settings: Settings) -> int:
    print("Building the guides site (mkdocs build --strict) ...", flush=True)
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "--site-dir",
            str(settings.site_dir),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    return result.returncode


def cmd_build_site(args: argparse.Namespace, settings: Settings) -> int:
    code = build_site(settings)
    if code == 0:
        print(f"Site built in {settings.site_dir}")
    return code


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from backend.demo import load_demo

    async def prepare(engine: Any) -> None:
        await _migrate(engine)
        if settings.demo_data:
            message = await load_demo(force=False)
            if message:
                print(message, flush=True)

    asyncio.run(_with_engine(settings, prepare))
    if not args.no_site and site_is_stale(settings) and build_site(settings) != 0:
        print("The guides site did not build; serving without it.", file=sys.stderr)
    workers = args.workers or settings.workers
    print(
        f"Lingkar is at http://{settings.host}:{settings.port}/ "
        f"(API docs at /schema, guides at /guides/)",
        flush=True,
    )
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--workers",
        str(workers),
        "--no-ws",
        "--log-level",
        "warning",
        "backend.app:create_app",
    ]
    os.execvp(command[0], command)  # noqa: S606 - replace this process with the server
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from backend.archive.service import export_archive

    asyncio.run(
        _with_engine(
            settings,
            lambda engine: export_archive(
                Path(args.file), include_password_hashes=args.with_password_hashes
            ),
        )
    )
    return 0


async def _rebuild_figures(group_id: int | None = None) -> dict[str, int]:
    from backend.db import database
    from backend.figures.service import rebuild

    async with database().write() as db:
        return await rebuild(db, group_id)


def cmd_rebuild_figures(args: argparse.Namespace, settings: Settings) -> int:
    async def work(engine: Any) -> dict[str, int]:
        await _migrate(engine)
        return await _rebuild_figures(args.group)

    counts = asyncio.run(_with_engine(settings, work))
    print(
        "Figures rebuilt from the rolls, memberships and sessions: "
        + ", ".join(f"{n:,} {name.replace('_', ' ')} rows" for name, n in counts.items())
        + "."
    )
    return 0


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    from backend.rights.service import retention

    async def work(engine: Any) -> Any:
        await _migrate(engine)
        return await retention(settings.retention_years)

    run = asyncio.run(_with_engine(settings, work))
    if run.years is None:
        print("LINGKAR_RETENTION_YEARS is not set: every member is kept; nothing was done.")
        return 0
    ids = ", ".join(str(e.member_id) for e in run.erased) or "none"
    print(
        f"Retention of {run.years} years (memberships ended before {run.cutoff}): "
        f"{len(run.erased)} members anonymised ({ids})."
    )
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from backend.archive.service import ArchiveError, import_into

    try:
        asyncio.run(import_into(settings.database_url, Path(args.file)))
    except ArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_import_curriculum(args: argparse.Namespace, settings: Settings) -> int:
    from backend.curricula.service import CurriculumFileError, create, read_curriculum_file
    from backend.lib.errors import LingkarError
    from backend.lib.i18n import format_message

    try:
        data = read_curriculum_file(Path(args.file))
    except CurriculumFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    async def work(engine: Any) -> Any:
        await _migrate(engine)
        return await create(data, None)

    try:
        created = asyncio.run(_with_engine(settings, work))
    except LingkarError as exc:
        print(f"error: {args.file}: {format_message(exc.detail, exc.params)}", file=sys.stderr)
        return 1
    print(
        f"Curriculum {created.id} ({created.name}, {created.language}): "
        f"{len(created.steps)} steps imported."
    )
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="lingkar", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate, load demo data once, build the site, serve")
    serve.add_argument("--workers", type=int, default=0)
    serve.add_argument("--no-site", action="store_true", help="do not build the guides site")
    serve.set_defaults(run=cmd_serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=cmd_migrate)
    demo = commands.add_parser("demo", help="load demo data into an empty database")
    demo.add_argument("--force", action="store_true", help="load even if data exists")
    demo.set_defaults(run=cmd_demo)
    user = commands.add_parser("create-user", help="create an admin or facilitator account")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--role", required=True, choices=["admin", "facilitator"])
    user.set_defaults(run=cmd_create_user)
    commands.add_parser("build-site", help="build the guides site").set_defaults(run=cmd_build_site)
    export = commands.add_parser("export", help="write an archive of everything")
    export.add_argument("file")
    export.add_argument("--with-password-hashes", action="store_true")
    export.set_defaults(run=cmd_export)
    rebuild = commands.add_parser(
        "rebuild-figures",
        help="recompute every kept attendance figure from the rolls, memberships and sessions",
    )
    rebuild.add_argument("--group", type=int, help="only this group's figures")
    rebuild.set_defaults(run=cmd_rebuild_figures)
    commands.add_parser(
        "retention",
        help="anonymise members whose last membership ended LINGKAR_RETENTION_YEARS ago",
    ).set_defaults(run=cmd_retention)
    imp = commands.add_parser("import", help="load an archive into an empty database")
    imp.add_argument("file")
    imp.set_defaults(run=cmd_import)
    curriculum = commands.add_parser(
        "import-curriculum",
        help="store a curriculum from YAML (the API's shape or a guides programme template)",
    )
    curriculum.add_argument("file")
    curriculum.set_defaults(run=cmd_import_curriculum)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return int(args.run(args, settings) or 0)


if __name__ == "__main__":
    raise SystemExit(main())

"""With LINGKAR_RETENTION_YEARS set, the server runs retention itself (at start, then daily)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from backend.rights.tables import RightsAudit


@pytest.fixture
def settings(settings):
    return replace(settings, retention_years=5)


async def test_the_server_runs_retention_on_its_own(app):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not await RightsAudit.count().where(RightsAudit.action == "retention"):
        assert loop.time() < deadline, "the server ran no retention"
        await asyncio.sleep(0.05)
    (run,) = await RightsAudit.select().where(RightsAudit.action == "retention")
    assert '"years": 5' in run["detail"] and run["acted_by"] is None

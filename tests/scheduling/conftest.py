"""Helpers for scheduling tests: schedule through the API and read times back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import Actor


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def local_clock(value: str) -> str:
    """``HH:MM`` of an ISO time as written (the group's local time)."""
    return datetime.fromisoformat(value).strftime("%H:%M")


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    if field is not None:
        assert body.get("field") == field, body
    return body


@pytest.fixture
def schedule(facilitator: Actor) -> Callable[..., Awaitable[httpx.Response]]:
    async def post(group_id: int, actor: Actor | None = None, **body: Any) -> httpx.Response:
        return await (actor or facilitator).client.post(
            f"/api/v1/groups/{group_id}/sessions", json=body
        )

    return post


@pytest.fixture
def weekly(schedule: Callable[..., Awaitable[httpx.Response]]) -> Callable[..., Awaitable[Any]]:
    """A weekly series; returns its sessions (asserting a 201)."""

    async def create(
        group_id: int,
        first: str,
        count: int = 8,
        duration: int = 90,
        actor: Actor | None = None,
        **extra: Any,
    ) -> list[dict[str, Any]]:
        response = await schedule(
            group_id,
            actor,
            first_starts_at=first,
            duration_minutes=duration,
            rrule=f"FREQ=WEEKLY;COUNT={count}",
            **extra,
        )
        assert response.status_code == 201, response.text
        return response.json()["sessions"]

    return create

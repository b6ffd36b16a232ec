"""Purpose codes <-> the bit masks the database stores."""

from __future__ import annotations

from collections.abc import Iterable

from backend.domain.vocabulary import PURPOSES, PURPOSES_BY_CODE


def to_mask(codes: Iterable[str]) -> int:
    mask = 0
    for code in codes:
        mask |= 1 << (PURPOSES_BY_CODE[code].number - 1)
    return mask


def from_mask(mask: int) -> list[str]:
    return [p.code for p in PURPOSES if mask & (1 << (p.number - 1))]


def bit(code: str) -> int:
    return 1 << (PURPOSES_BY_CODE[code].number - 1)

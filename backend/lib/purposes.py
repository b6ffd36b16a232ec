"""Purpose codes <-> the bit masks the database stores."""

from __future__ import annotations

from collections.abc import Iterable

from backend.domain.vocabulary import PURPOSES, PURPOSES_BY_CODE


def to_mask(codes: Iterable[str]) -> int:
    mask = 0
    for code in codes:
        mask |= 1 << (PURPOSES_BY_CODE[code].number - 1)
    return mask


_CODES_OF_MASK: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.code for p in PURPOSES if mask & (1 << (p.number - 1))) for mask in range(64)
)


def from_mask(mask: int) -> list[str]:
    """The purpose codes of a mask, in the source's order."""
    return list(_CODES_OF_MASK[mask & 63])


def bit(code: str) -> int:
    return 1 << (PURPOSES_BY_CODE[code].number - 1)

"""Phone numbers as people type them, and the one form Lingkar matches and links them by.

Indonesian numbers are written ``0812-3456-7890``, ``+62 812 3456 7890`` or ``62812...``; all
of them are the same number, ``6281234567890`` (international digits, as wa.me links need).
A number starting with a single ``0`` is read as a national number of the default country.
"""

from __future__ import annotations

DEFAULT_COUNTRY_CODE = "62"


def phone_key(phone: str | None, country_code: str = DEFAULT_COUNTRY_CODE) -> str | None:
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return None
    if phone.strip().startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return country_code + digits[1:]
    return digits

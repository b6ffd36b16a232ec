"""Login limits for the whole deployment: counters in the database, shared by every worker.

Three fixed-window counters, each a row of ``login_throttle`` changed by one atomic upsert
(``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``), so concurrent attempts in any worker or
process never read the same count:

- every login attempt from one client address: ``LINGKAR_LOGIN_ATTEMPTS_PER_MINUTE`` a minute;
- failed logins to one account from one address: 5 in 15 minutes, so a stranger's guesses do not
  lock the owner out of their own address;
- failed logins to one account from all addresses together: 50 in 15 minutes.

An attempt is counted before its password is checked, so a burst cannot slip past the check;
a successful login gives its account counts back. Counters are keyed by SHA-256 digests: the
table holds no email and no address. Rows of windows that have ended are deleted whenever an
address starts a new window.
"""

from __future__ import annotations

import hashlib
import time

from backend.accounts import queries
from backend.db import database
from backend.lib.errors import TooManyRequests
from backend.lib.i18n import N_

ADDRESS_WINDOW_SECONDS = 60
FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
FAILURES_PER_ACCOUNT = 50
FAILURE_WINDOW_SECONDS = 15 * 60


def _bucket(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"{kind}:{digest}"


def _address_bucket(address: str) -> str:
    return _bucket("address", address)


def _pair_bucket(email: str, address: str) -> str:
    return _bucket("account-address", email, address)


def _account_bucket(email: str) -> str:
    return _bucket("account", email)


async def _count(bucket: str, window: int, now: int) -> tuple[int, int]:
    """Count one more hit in ``bucket``; (hits in the current window, seconds until it ends)."""
    async with database().write() as db:
        hits, window_start = await queries.count_hit(db, bucket, now, now - window)
    return hits, max(1, window_start + window - now)


def _refuse(detail: str, retry_after: int, code: str) -> TooManyRequests:
    return TooManyRequests(detail, retry_after=retry_after, code=code)


async def admit(email: str, address: str, attempts_per_minute: int) -> None:
    """Count a login attempt to ``email`` from ``address``; 429 (with seconds to wait) when a
    limit is reached. Call before the password is checked; a refused attempt checks nothing."""
    now = int(time.time())
    hits, retry_after = await _count(_address_bucket(address), ADDRESS_WINDOW_SECONDS, now)
    if hits == 1:  # a new window for this address: a moment to drop ended windows
        async with database().write() as db:
            await queries.prune_hits(db, now - FAILURE_WINDOW_SECONDS)
    if hits > attempts_per_minute:
        raise _refuse(
            N_("Too many login attempts from this address; try again later."),
            retry_after,
            "too_many_attempts",
        )
    pair = _pair_bucket(email, address)
    hits, retry_after = await _count(pair, FAILURE_WINDOW_SECONDS, now)
    if hits > FAILURES_PER_ACCOUNT_AND_ADDRESS:
        raise _refuse(
            N_("Too many failed logins for this account; try again later."),
            retry_after,
            "account_locked",
        )
    hits, retry_after = await _count(_account_bucket(email), FAILURE_WINDOW_SECONDS, now)
    if hits > FAILURES_PER_ACCOUNT:
        # Not this address's failure: it keeps its own allowance for when the lock ends.
        async with database().write() as db:
            await queries.give_back_hit(db, pair)
        raise _refuse(
            N_("Too many failed logins for this account; try again later."),
            retry_after,
            "account_locked",
        )


async def succeeded(email: str, address: str) -> None:
    """The attempt admitted for ``email`` from ``address`` was right: it counts as no failure,
    and that address's earlier failures for the account are forgotten."""
    async with database().write() as db:
        await queries.forget_hits(db, _pair_bucket(email, address))
        await queries.give_back_hit(db, _account_bucket(email))

from piccolo.columns import BigInt, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table


class User(Table, tablename="app_user"):
    """Someone who can log in: an admin, a facilitator, or a member with a login."""

    email = Varchar(length=254, unique=True, index=True)
    display_name = Varchar(length=120)
    role = Varchar(length=20)
    password_hash = Text()
    is_active = Boolean(default=True)
    member = ForeignKey("Member", on_delete=OnDelete.set_null, null=True, unique=True)
    created_at = Timestamptz()
    # The language pages and messages use for this account (en, id); null: not chosen yet.
    language = Varchar(length=8, null=True, default=None)
    # Set when an admin gives a temporary password: it must be changed at the next login.
    must_change_password = Boolean(default=False)


class AuthSession(Table, tablename="auth_session"):
    """A server-side login session; the cookie holds only a random token whose hash is kept."""

    token_hash = Varchar(length=64, unique=True, index=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()


class LoginThrottle(Table, tablename="login_throttle"):
    """One counter of login attempts in a fixed window, shared by every worker (accounts/throttle).

    ``bucket`` is a digest of what is counted (an address, an account and an address, an
    account); ``window_start`` is in seconds since the epoch.
    """

    bucket = Varchar(length=80, primary_key=True)
    hits = Integer()
    window_start = BigInt(index=True)

"""Accounts, passwords, API tokens, web sessions and the login rate limit (use cases).

- Passwords: argon2id (argon2-cffi's RFC 9106 low-memory profile), never stored or logged in
  clear; a hash made with weaker parameters is upgraded at the next successful login.
- API tokens (`lr_…`, 256 random bits) and web session ids (256 random bits) are stored only as
  SHA-256 digests: they are long random secrets, so a fast digest is enough and a copy of the
  database yields no usable credential. A token is shown once, when created.
- The login rate limit counts failures in the database (table `login_attempt`), per username and
  per client address: it survives restarts and holds across every server process on the record.
- Every change to an account leaves a row in the audit table (kind ``account``, code = username,
  no password hash), signed by whoever made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, delete, func, insert, select, update

from landrelease.auth import policy
from landrelease.auth.roles import ORGANISATION_ROLES, Principal, Role
from landrelease.errors import Conflict, Forbidden, NotFound, TooManyAttempts, Unauthenticated, ValidationError
from landrelease.service.store import Store
from landrelease.store import attempts, repo
from landrelease.store.schema import account, api_token, auth_session, login_attempt

_hasher = PasswordHasher()
#: Verified against when the username does not exist, so that timing does not tell who has an account.
_DUMMY_HASH = _hasher.hash("landrelease-no-such-account")

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")
MIN_PASSWORD = 12
TOKEN_PREFIX = "lr_"

#: Login rate limit: `login_user_failures` / `login_address_failures` (settings) inside the window lock
#: the username (or the address) for LOCKOUT. Web sessions end `session_hours` after login (absolute),
#: or at logout, password change or disabling.
WINDOW = dt.timedelta(minutes=15)
LOCKOUT = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    role: Role
    organisation: str | None  # organisation code
    full_name: str | None
    disabled: bool
    created_at: Any
    created_by: str

    def principal(self) -> Principal:
        return Principal(username=self.username, role=self.role, organisation=self.organisation, actor=self.username)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password: str, username: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"must have at least {MIN_PASSWORD} characters", field="password")
    if username and password.strip().lower() == username.lower():
        raise ValidationError("must not be the username", field="password")


def normalise_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not USERNAME.match(name):
        raise ValidationError(
            f"'{username}' is not a username: 2–80 characters, lower-case letters, digits and . _ @ -, "
            "starting with a letter or digit",
            field="username",
        )
    return name


# ---------------------------------------------------------------------------------------- reading


def _org_code(conn: Connection, org_id: str | None) -> str | None:
    if not org_id:
        return None
    return repo.codes_for_ids(conn, "organisation", [org_id]).get(org_id)


def _account(conn: Connection, row: Any) -> Account:
    return Account(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        organisation=_org_code(conn, row.organisation),
        full_name=row.full_name,
        disabled=row.disabled_at is not None,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _row(conn: Connection, username: str) -> Any:
    return conn.execute(select(account).where(account.c.username == username.strip().lower())).first()


def _require_row(conn: Connection, username: str) -> Any:
    row = _row(conn, username)
    if row is None:
        raise NotFound(f"no account {username!r}; see 'landrelease users list'", field="username")
    return row


def any_accounts(store: Store) -> bool:
    """Does the record have accounts at all? (Without any, the local CLI acts as the system.)"""
    with repo.read_connection(store.engine) as conn:
        return conn.execute(select(func.count()).select_from(account)).scalar_one() > 0


def get_account(store: Store, username: str) -> Account:
    with repo.read_connection(store.engine) as conn:
        return _account(conn, _require_row(conn, username))


def list_accounts(store: Store) -> list[dict[str, Any]]:
    _check_manage(store, None)
    with repo.read_connection(store.engine) as conn:
        rows = conn.execute(select(account).order_by(account.c.username)).all()
        live_tokens = dict(
            conn.execute(
                select(api_token.c.account, func.count())
                .where(api_token.c.revoked_at.is_(None))
                .group_by(api_token.c.account)
            ).all()
        )
        out = []
        for r in rows:
            a = _account(conn, r)
            out.append(
                {
                    "username": a.username,
                    "role": a.role.value,
                    "organisation": a.organisation,
                    "full_name": a.full_name,
                    "disabled": a.disabled,
                    "tokens": int(live_tokens.get(r.id, 0)),
                    "created_at": a.created_at,
                    "created_by": a.created_by,
                }
            )
        return out


# ---------------------------------------------------------------------------------------- writing


def _check_manage(store: Store, role: Role | None) -> None:
    p = store.principal
    if p is None and store.system:  # the trusted local system (database access is administrator access)
        return
    if p is None:
        raise Unauthenticated("sign in to manage accounts")
    if not policy.can_manage_accounts(p):
        raise Forbidden(f"{p.username or 'anonymous'} ({p.role.value}) may not manage accounts")
    if role is not None and not policy.can_manage_role(p, role):
        raise Forbidden(f"{p.username} ({p.role.value}) may not manage {role.value} accounts")


def _check_self_or_manage(store: Store, row: Any) -> None:
    """Anyone manages their own tokens; someone else's need the right to manage that account."""
    p = store.principal
    if p is not None and p.username == row.username and not p.is_anonymous:
        return
    _check_manage(store, Role(row.role))


def _audit(conn: Connection, store: Store, row_id: str, username: str, action: str, before: Any, after: Any) -> None:
    repo.audit_event(
        conn,
        actor=store.actor,
        action=action,
        kind="account",
        record_id=row_id,
        code=username,
        version=None,
        before=before,
        after=after,
    )


def _public(row: Any, org_code: str | None) -> dict[str, Any]:
    return {
        "username": row["username"],
        "role": row["role"],
        "organisation": org_code,
        "full_name": row["full_name"],
        "disabled": row["disabled_at"] is not None,
    }


def _resolve_org(conn: Connection, role: Role, organisation: str | None) -> tuple[str | None, str | None]:
    if not organisation:
        if role in ORGANISATION_ROLES:
            raise ValidationError(
                f"{role.value} accounts belong to an organisation: give its code with --org (ORG-…)",
                field="organisation",
            )
        return None, None
    code = organisation.strip()
    found = repo.ids_for_codes(conn, "organisation", [code])
    if code not in found:
        raise ValidationError(f"no organisation with code {code!r} in the record", field="organisation")
    return found[code], code


def add_account(
    store: Store,
    username: str,
    *,
    role: Role | str,
    password: str,
    organisation: str | None = None,
    full_name: str | None = None,
) -> Account:
    role = role if isinstance(role, Role) else Role.parse(role)
    name = normalise_username(username)
    _check_manage(store, role)
    check_password(password, name)
    pw_hash = hash_password(password)
    now = repo.utcnow()
    with repo.write_transaction(store.engine) as conn:
        if _row(conn, name) is not None:
            raise Conflict(f"account {name!r} already exists", field="username")
        org_id, org_code = _resolve_org(conn, role, organisation)
        values = {
            "id": repo.new_id(),
            "username": name,
            "role": role.value,
            "organisation": org_id,
            "full_name": (full_name or "").strip() or None,
            "password_hash": pw_hash,
            "password_changed_at": now,
            "created_at": now,
            "created_by": store.actor,
            "updated_at": now,
            "updated_by": store.actor,
            "disabled_at": None,
        }
        conn.execute(insert(account).values(**values))
        _audit(conn, store, values["id"], name, "create", None, _public(values, org_code))
        return _account(conn, _require_row(conn, name))


def _change(store: Store, username: str, changes: dict[str, Any], *, end_sessions: bool, revoke_tokens: bool) -> None:
    with repo.write_transaction(store.engine) as conn:
        row = _require_row(conn, username)
        _check_manage(store, Role(row.role))
        before = dict(row._mapping)
        now = repo.utcnow()
        conn.execute(
            update(account).where(account.c.id == row.id).values(**changes, updated_at=now, updated_by=store.actor)
        )
        after = dict(before, **changes)
        if end_sessions:
            conn.execute(delete(auth_session).where(auth_session.c.account == row.id))
        if revoke_tokens:
            conn.execute(
                update(api_token)
                .where(api_token.c.account == row.id, api_token.c.revoked_at.is_(None))
                .values(revoked_at=now, revoked_by=store.actor)
            )
        org = _org_code(conn, row.organisation)
        b, a = _public(before, org), _public(after, org)
        if "password_hash" in changes:
            b["password"], a["password"] = "(old)", "(changed)"
        _audit(conn, store, row.id, row.username, "update", b, a)


def disable_account(store: Store, username: str) -> None:
    """Disable an account: it can no longer sign in; its sessions end and its tokens are revoked
    at once. The account and everything it wrote stay (the audit trail names it)."""
    _change(store, username, {"disabled_at": repo.utcnow()}, end_sessions=True, revoke_tokens=True)


def enable_account(store: Store, username: str) -> None:
    _change(store, username, {"disabled_at": None}, end_sessions=False, revoke_tokens=False)


def set_password(store: Store, username: str, password: str) -> None:
    """A new password; every web session of the account ends (tokens stay: revoke them apart)."""
    check_password(password, username)
    changes = {"password_hash": hash_password(password), "password_changed_at": repo.utcnow()}
    _change(store, username, changes, end_sessions=True, revoke_tokens=False)


def set_role(store: Store, username: str, role: Role | str, organisation: str | None = None) -> None:
    role = role if isinstance(role, Role) else Role.parse(role)
    _check_manage(store, role)
    with repo.read_connection(store.engine) as conn:
        org_id, _ = _resolve_org(conn, role, organisation)
    _change(store, username, {"role": role.value, "organisation": org_id}, end_sessions=True, revoke_tokens=False)


# ------------------------------------------------------------------------------------------ tokens


def create_token(store: Store, username: str, name: str = "script", *, token: str | None = None) -> str:
    """A new API token for `username`; the only time the token is ever shown is this return value.
    `token`: store this (random, caller-made) value instead of a fresh one — for test harnesses
    that give every throw-away server the same session-wide token."""
    if token is not None and (not token.startswith(TOKEN_PREFIX) or len(token) < len(TOKEN_PREFIX) + 32):
        raise ValidationError(f"a token starts with {TOKEN_PREFIX!r} and carries at least 32 random characters")
    token = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
    with repo.write_transaction(store.engine) as conn:
        row = _require_row(conn, username)
        _check_self_or_manage(store, row)
        if row.disabled_at is not None:
            raise Conflict(f"account {row.username!r} is disabled", field="username")
        conn.execute(
            insert(api_token).values(
                id=repo.new_id(),
                account=row.id,
                name=(name or "script").strip()[:80] or "script",
                token_hash=digest(token),
                hint=token[: len(TOKEN_PREFIX) + 6],
                created_at=repo.utcnow(),
                created_by=store.actor,
                revoked_at=None,
                revoked_by=None,
            )
        )
    return token


def list_tokens(store: Store, username: str) -> list[dict[str, Any]]:
    with repo.read_connection(store.engine) as conn:
        row = _require_row(conn, username)
        _check_self_or_manage(store, row)
        rows = conn.execute(
            select(api_token).where(api_token.c.account == row.id).order_by(api_token.c.created_at)
        ).mappings()
        return [
            {
                "hint": r["hint"] + "…",
                "name": r["name"],
                "created_at": r["created_at"],
                "created_by": r["created_by"],
                "revoked_at": r["revoked_at"],
            }
            for r in rows
        ]


def revoke_tokens(store: Store, username: str, hint: str | None = None) -> int:
    """Revoke the account's tokens (all, or those starting with `hint`); returns how many."""
    with repo.write_transaction(store.engine) as conn:
        row = _require_row(conn, username)
        _check_self_or_manage(store, row)
        cond = [api_token.c.account == row.id, api_token.c.revoked_at.is_(None)]
        if hint:
            cond.append(api_token.c.hint == hint.rstrip("…")[: len(TOKEN_PREFIX) + 6])
        n = conn.execute(update(api_token).where(*cond).values(revoked_at=repo.utcnow(), revoked_by=store.actor))
        return int(n.rowcount or 0)


def principal_for_token(store: Store, token: str) -> Principal | None:
    """The live, enabled account behind an API token, or None (unknown, revoked, disabled)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with repo.read_connection(store.engine) as conn:
        row = conn.execute(
            select(account)
            .join(api_token, api_token.c.account == account.c.id)
            .where(api_token.c.token_hash == digest(token), api_token.c.revoked_at.is_(None))
        ).first()
        if row is None or row.disabled_at is not None:
            return None
        return _account(conn, row).principal()


def any_accounts_in(conn: Connection) -> bool:
    """`any_accounts` inside the caller's transaction."""
    return conn.execute(select(func.count()).select_from(account)).scalar_one() > 0


def account_state_in(conn: Connection, username: str) -> tuple[Principal, bool] | None:
    """Inside the caller's transaction: the account's principal and whether it is disabled, or None
    when there is no such account (a field submission's sender, checked when it is approved)."""
    row = _row(conn, username)
    if row is None:
        return None
    return _account(conn, row).principal(), row.disabled_at is not None


def principal_for_username(store: Store, username: str) -> Principal:
    """The CLI's `--as USER` on a database it can open: the account must exist and be enabled."""
    with repo.read_connection(store.engine) as conn:
        row = _row(conn, username)
        if row is None:
            raise Unauthenticated(f"no account {username!r} in this record; see 'landrelease users list'")
        if row.disabled_at is not None:
            raise Unauthenticated(f"account {row.username!r} is disabled")
        return _account(conn, row).principal()


def still_valid(store: Store, username: str, verified_at: dt.datetime) -> Principal:
    """The account behind a password verified at `verified_at` (a short-lived cache of verified
    credentials, e.g. ODK Collect's Basic sign-in): Unauthenticated when the account is gone, disabled
    or its password changed since — the cache spares the hashing, never the account's state."""
    with repo.read_connection(store.engine) as conn:
        row = _row(conn, username)
        if row is None or row.disabled_at is not None:
            raise Unauthenticated("this account is disabled; ask an administrator")
        changed = _aware(row.password_changed_at)
        if changed is not None and changed > verified_at:
            raise Unauthenticated("the password of this account changed: sign in with the new one")
        return _account(conn, row).principal()


# ------------------------------------------------------------------------------ password sign-in


def _now() -> dt.datetime:
    return repo.utcnow()


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    if t is not None and t.tzinfo is None:  # SQLite hands back naive UTC
        return t.replace(tzinfo=dt.UTC)
    return t


def _keys(store: Store, username: str, address: str | None) -> list[tuple[str, str, int]]:
    keys = [("user", (username or "").strip().lower()[:200], store.settings.login_user_failures)]
    if address:
        keys.append(("address", address[:200], store.settings.login_address_failures))
    return keys


def _check_limit(conn: Connection, keys: list[tuple[str, str, int]]) -> None:
    now = _now()
    for scope, key, _ in keys:
        row = conn.execute(
            select(login_attempt.c.locked_until).where(login_attempt.c.scope == scope, login_attempt.c.key == key)
        ).first()
        until = _aware(row.locked_until) if row else None
        if until is not None and until > now:
            wait = max(1, int((until - now).total_seconds()) + 1)
            what = "this account" if scope == "user" else "this address"
            raise TooManyAttempts(
                f"too many failed sign-ins for {what}; try again in {max(1, wait // 60)} minute(s)", retry_after=wait
            )


def _record_failure(store: Store, keys: list[tuple[str, str, int]]) -> None:
    now = _now()
    with repo.write_transaction(store.engine) as conn:
        for scope, key, limit in keys:
            row = conn.execute(
                select(login_attempt).where(login_attempt.c.scope == scope, login_attempt.c.key == key)
            ).first()
            if row is None:
                conn.execute(insert(login_attempt).values(scope=scope, key=key, failures=1, first_at=now))
                failures = 1
                cond = None
            else:
                fresh = _aware(row.first_at) < now - WINDOW
                failures = 1 if fresh else row.failures + 1
                cond = (login_attempt.c.scope == scope, login_attempt.c.key == key)
                conn.execute(
                    update(login_attempt)
                    .where(*cond)
                    .values(failures=failures, first_at=now if fresh else row.first_at, locked_until=None)
                )
            if failures >= limit:
                conn.execute(
                    update(login_attempt)
                    .where(login_attempt.c.scope == scope, login_attempt.c.key == key)
                    .values(locked_until=now + LOCKOUT)
                )


def authenticate(store: Store, username: str, password: str, address: str | None = None) -> Principal:
    """Username + password → Principal, under the login rate limit.

    The helper every password sign-in uses: the login page, and HTTP Basic for ODK Collect
    (`/odk`). Raises TooManyAttempts (429) while the username or the address is locked — checked
    before the password, so a locked account cannot be probed — and Unauthenticated (401) for a
    wrong username or password or a disabled account. Argon2 verification takes tens of
    milliseconds: call it from a worker thread in async code.

    The limit is checked and the attempt counted in one atomic step before the password is verified
    (`store.attempts.reserve`): however many sign-ins arrive at once, at most the limit of passwords
    are ever verified per account and window. A successful sign-in gives its attempt back."""
    keys = [attempts.Key(scope, key, limit) for scope, key, limit in _keys(store, username, address)]
    now = _now()
    with repo.write_transaction(store.engine) as conn:
        locked = attempts.reserve(conn, keys, now, WINDOW, LOCKOUT)
        row = None if locked is not None else _row(conn, username or "")
    if locked is not None:
        key, until = locked
        wait = max(1, int((until - now).total_seconds()) + 1)
        what = "this account" if key.scope == "user" else "this address"
        raise TooManyAttempts(
            f"too many failed sign-ins for {what}; try again in {max(1, wait // 60)} minute(s)", retry_after=wait
        )
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise Unauthenticated("wrong username or password")  # counted already, by the reservation
    if row.disabled_at is not None:
        raise Unauthenticated("this account is disabled; ask an administrator")
    with repo.write_transaction(store.engine) as conn:
        attempts.settle(conn, keys)
        if _hasher.check_needs_rehash(row.password_hash):
            conn.execute(update(account).where(account.c.id == row.id).values(password_hash=hash_password(password)))
        return _account(conn, row).principal()


def authenticate_token(store: Store, username: str, token: str, address: str | None = None) -> Principal:
    """Username + API token → Principal, under the login rate limit: HTTP Basic on the OGC API and
    the HTTP API, the one sign-in QGIS 3.22, GDAL and OWSLib can all send (docs/security.md).

    The token must be a live token *of that account*: a right token with another account's name is
    refused like a wrong one. Failures count against the username and the address exactly as wrong
    passwords do (TooManyAttempts while locked, checked first). An account password is refused
    without being checked (`Unauthenticated`, not counted): Basic here takes tokens only, so a
    script or a GIS project never stores the password that opens the web pages, and no request
    pays an Argon2 verification. A successful check writes nothing (one read per request)."""
    keys = _keys(store, username, address)
    with repo.read_connection(store.engine) as conn:
        _check_limit(conn, keys)
    if not (token or "").startswith(TOKEN_PREFIX):
        raise Unauthenticated(
            f"HTTP Basic takes an API token ({TOKEN_PREFIX}…) as the password, not the account's password: "
            "make one with `landrelease users token USERNAME`"
        )
    p = principal_for_token(store, token)
    if p is None or p.username != (username or "").strip().lower():
        _record_failure(store, keys)
        raise Unauthenticated("wrong username or API token (or the token is revoked, or the account disabled)")
    return p


# -------------------------------------------------------------------------------------- sessions


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str
    expires_at: dt.datetime


def create_session(store: Store, username: str, address: str | None = None) -> tuple[str, Session]:
    """A new web session for an authenticated account: (cookie value, session)."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = _now()
    expires = now + dt.timedelta(hours=store.settings.session_hours)
    with repo.write_transaction(store.engine) as conn:
        row = _require_row(conn, username)
        conn.execute(delete(auth_session).where(auth_session.c.expires_at < now))  # tidy expired ones
        conn.execute(
            insert(auth_session).values(
                id=digest(secret),
                account=row.id,
                csrf=csrf,
                created_at=now,
                expires_at=expires,
                address=(address or "")[:64] or None,
            )
        )
        return secret, Session(_account(conn, row).principal(), csrf, expires)


def session_for(store: Store, secret: str) -> Session | None:
    """The live session behind a cookie value: None when unknown, ended, expired or the account is disabled."""
    if not secret or len(secret) > 200:
        return None
    with repo.read_connection(store.engine) as conn:
        row = conn.execute(
            select(account, auth_session.c.csrf, auth_session.c.expires_at)
            .join(auth_session, auth_session.c.account == account.c.id)
            .where(auth_session.c.id == digest(secret))
        ).first()
        if row is None or row.disabled_at is not None or _aware(row.expires_at) <= _now():
            return None
        return Session(_account(conn, row).principal(), row.csrf, _aware(row.expires_at))


def end_session(store: Store, secret: str) -> None:
    if not secret:
        return
    with repo.write_transaction(store.engine) as conn:
        conn.execute(delete(auth_session).where(auth_session.c.id == digest(secret)))


def organisation_exists(store: Store, code: str) -> bool:
    with repo.read_connection(store.engine) as conn:
        return bool(repo.ids_for_codes(conn, "organisation", [code]))


__all__ = [
    "Account",
    "Session",
    "add_account",
    "any_accounts",
    "authenticate",
    "create_session",
    "create_token",
    "disable_account",
    "enable_account",
    "end_session",
    "get_account",
    "list_accounts",
    "list_tokens",
    "principal_for_token",
    "principal_for_username",
    "revoke_tokens",
    "session_for",
    "set_password",
    "set_role",
    "still_valid",
]

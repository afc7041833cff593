"""Accounts, roles and authorisation.

- `Role`, `Principal` (who is acting) — `landrelease.auth.roles`, re-exported here;
- `landrelease.auth.policy` — every rule of who may read, write, see personal data, review and
  approve, as pure functions (no I/O): the service layer asks it, so the CLI, HTTP API, OGC API and
  pages cannot disagree;
- accounts, passwords (argon2), API tokens, web sessions and login rate limiting are use cases: they
  live in `landrelease.service.accounts`, stored in the record's database (migration 0004).
"""

from landrelease.auth.roles import ACCOUNT_ROLES, Principal, Role

__all__ = ["ACCOUNT_ROLES", "Principal", "Role"]

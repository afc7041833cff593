"""`landrelease backup | restore | verify`: operating a record (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (SQLite: a .db file; PostgreSQL: pg_dump).")],
) -> None:
    """Back up the live record, consistently, while it is in use (administrators)."""
    from landrelease.cli.main import out, store
    from landrelease.service import operations

    s = store()
    size = operations.backup(s, file)
    out.print(f"Backed up {s.url} to {file} ({size / 1e6:,.1f} MB)", markup=False, highlight=False)


def restore(
    file: Annotated[Path, typer.Argument(help="A backup written by 'landrelease backup'.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a record that holds data.")] = False,
    end_sessions: Annotated[
        bool, typer.Option("--end-sessions", help="Sign everybody out and revoke every API token after the restore.")
    ] = False,
) -> None:
    """Replace the record given by --db with a backup, all or nothing, then migrate it to this version."""
    from landrelease.cli.main import out, store
    from landrelease.service import operations
    from landrelease.service.accounts import any_accounts

    s = store(init=True, system=True)  # a new, empty record may be created to restore into
    if any_accounts(s):
        s = store()  # a record with accounts: an administrator's --as
    done = operations.restore(s, file, force=force, end_sessions=end_sessions)
    out.print(f"Restored {file} into {s.url}", markup=False, highlight=False)
    if end_sessions:
        out.print(
            f"Ended {done.sessions_ended} sessions and revoked {done.tokens_revoked} API tokens",
            markup=False,
            highlight=False,
        )


def verify() -> None:
    """Check the record: database integrity, every area's land release ledger, every record's audit
    history. Prints one line per problem and exits non-zero when there is any."""
    from landrelease.cli.main import err, out, store
    from landrelease.service import operations

    s = store()
    problems = operations.verify(s)
    for line in problems:
        out.print(line, markup=False, highlight=False, soft_wrap=True)
    if problems:
        err.print(f"{len(problems)} problem(s) in {s.url}", markup=False, highlight=False)
        raise typer.Exit(1)
    out.print(f"{s.url}: integrity, ledgers and audit trail verified", markup=False, highlight=False)

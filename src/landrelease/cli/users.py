"""`landrelease users …`: accounts, passwords and API tokens.

Passwords never go on the command line: they are prompted for (twice, not echoed), read from
standard input with `--password-stdin` (one line, for scripts), or generated with
`--generate-password` and printed once.
"""

from __future__ import annotations

import json
import secrets
import sys
from typing import Annotated

import typer

from landrelease.errors import ValidationError

users_app = typer.Typer(no_args_is_help=True, help="Accounts, roles, passwords and API tokens.")

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (one line), for scripts.")
]
Generate = Annotated[
    bool, typer.Option("--generate-password", help="Generate a strong random password and print it once.")
]


def _password(stdin: bool, generate: bool, username: str) -> tuple[str, bool]:
    """(password, generated)."""
    if stdin and generate:
        raise ValidationError("use --password-stdin or --generate-password, not both", field="password")
    if generate:
        return secrets.token_urlsafe(18), True
    if stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ValidationError("standard input held no password", field="password")
        return line, False
    if not sys.stdin.isatty():
        raise ValidationError(
            "no terminal to ask for the password: give --password-stdin (and the password on standard input) "
            "or --generate-password",
            field="password",
        )
    first = typer.prompt(f"Password for {username}", hide_input=True)
    second = typer.prompt("Repeat it", hide_input=True)
    if first != second:
        raise ValidationError("the two passwords differ", field="password")
    return first, False


@users_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits and . _ @ -.")],
    role: Annotated[
        str,
        typer.Option(help="admin, imo, operator_writer, operator_viewer, qa_officer or viewer (docs/security.md)."),
    ],
    org: Annotated[
        str | None, typer.Option(help="Organisation record code (ORG-…); required for operator roles.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Full name of the person.")] = None,
    password_stdin: PasswordStdin = False,
    generate_password: Generate = False,
) -> None:
    """Create an account."""
    from landrelease.auth.roles import Role
    from landrelease.cli.main import out, store
    from landrelease.service.accounts import add_account, normalise_username

    user = normalise_username(username)
    r = Role.parse(role)
    s = store()
    password, generated = _password(password_stdin, generate_password, user)
    a = add_account(s, user, role=r, password=password, organisation=org, full_name=name)
    where = f" of {a.organisation}" if a.organisation else ""
    out.print(f"Account {a.username} created: {a.role.label}{where}", markup=False, highlight=False)
    if generated:
        out.print(f"Password (shown once, keep it safe): {password}", markup=False, highlight=False)


@users_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """List accounts: role, organisation, whether disabled, live tokens."""
    from rich.table import Table

    from landrelease.cli.main import out, store
    from landrelease.service.accounts import list_accounts

    rows = list_accounts(store())
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, default=str) + "\n")
        return
    table = Table("username", "role", "organisation", "name", "status", "tokens", "created by")
    for r in rows:
        table.add_row(
            r["username"],
            r["role"],
            r["organisation"] or "",
            r["full_name"] or "",
            "disabled" if r["disabled"] else "active",
            str(r["tokens"]),
            r["created_by"],
        )
    out.print(table)


@users_app.command("disable")
def disable(username: Annotated[str, typer.Argument(help="Account to disable.")]) -> None:
    """Disable an account: no more sign-in; its sessions end and its tokens are revoked at once."""
    from landrelease.cli.main import out, store
    from landrelease.service.accounts import disable_account

    disable_account(store(), username)
    out.print(f"Account {username} disabled; its sessions ended and its tokens were revoked.", markup=False)


@users_app.command("enable")
def enable(username: Annotated[str, typer.Argument(help="Account to enable again.")]) -> None:
    """Enable a disabled account (its old tokens stay revoked)."""
    from landrelease.cli.main import out, store
    from landrelease.service.accounts import enable_account

    enable_account(store(), username)
    out.print(f"Account {username} enabled.", markup=False)


@users_app.command("passwd")
def passwd(
    username: Annotated[str, typer.Argument(help="Account whose password to set.")],
    password_stdin: PasswordStdin = False,
    generate_password: Generate = False,
) -> None:
    """Set an account's password (prompted; every web session of the account ends)."""
    from landrelease.cli.main import out, store
    from landrelease.service.accounts import get_account, set_password

    s = store()
    get_account(s, username)  # a missing account is reported before the prompt
    password, generated = _password(password_stdin, generate_password, username)
    set_password(s, username, password)
    out.print(f"Password of {username} changed; its web sessions ended.", markup=False)
    if generated:
        out.print(f"Password (shown once, keep it safe): {password}", markup=False, highlight=False)


@users_app.command("role")
def role(
    username: Annotated[str, typer.Argument(help="Account to change.")],
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help="The new role.")],
    org: Annotated[str | None, typer.Option(help="Organisation code (operator roles).")] = None,
) -> None:
    """Change an account's role and organisation (its web sessions end)."""
    from landrelease.cli.main import out, store
    from landrelease.service.accounts import set_role

    set_role(store(), username, new_role, org)
    out.print(f"Account {username} is now {new_role}{f' of {org}' if org else ''}.", markup=False)


@users_app.command("token")
def token(
    username: Annotated[str, typer.Argument(help="Account the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for (shown in 'users tokens').")] = "script",
) -> None:
    """Create an API token (printed once; send it as 'Authorization: Bearer TOKEN')."""
    from landrelease.cli.main import err, store
    from landrelease.service.accounts import create_token

    value = create_token(store(), username, name)
    sys.stdout.write(value + "\n")
    err.print(
        f"API token for {username} ({name}) — shown once, stored only as a digest; revoke it with "
        f"'landrelease users revoke {username} --hint {value[:9]}'",
        markup=False,
        highlight=False,
    )


@users_app.command("tokens")
def tokens(username: Annotated[str, typer.Argument(help="Account whose tokens to list.")]) -> None:
    """List an account's API tokens (their first characters only)."""
    from rich.table import Table

    from landrelease.cli.main import out, store
    from landrelease.service.accounts import list_tokens

    table = Table("token", "name", "created", "by", "revoked")
    for t in list_tokens(store(), username):
        table.add_row(t["hint"], t["name"], str(t["created_at"])[:19], t["created_by"], str(t["revoked_at"] or "")[:19])
    out.print(table)


@users_app.command("revoke")
def revoke(
    username: Annotated[str, typer.Argument(help="Account whose tokens to revoke.")],
    hint: Annotated[str | None, typer.Option(help="Only the token starting with this (from 'users tokens').")] = None,
) -> None:
    """Revoke an account's API tokens (all of them, or one with --hint)."""
    from landrelease.cli.main import out, store
    from landrelease.service.accounts import revoke_tokens

    n = revoke_tokens(store(), username, hint)
    if hint and n == 0:
        raise ValidationError(f"{username} has no live token starting with {hint!r}", field="hint")
    out.print(f"Revoked {n} token(s) of {username}.", markup=False)

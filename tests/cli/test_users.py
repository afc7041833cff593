"""`landrelease users …` and `--as USER` in a subprocess on a real SQLite file: passwords never on
the command line, tokens shown once, the CLI's rules once a record has accounts, and the same
authorisation rules as the server (operator's organisation, personal data in exports, audit names)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PW = "correct horse battery staple"


def run(db: Path, *args: str, ok: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, LANDRELEASE_USER="test:cli", COLUMNS="200")
    env.pop("LANDRELEASE_DB", None)
    env.pop("LANDRELEASE_AS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "landrelease", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin if stdin is not None else "",
        timeout=300,
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("users") / "record.db"
    run(path, "init")
    run(path, "demo", "--areas", "60", "--seed", "3")  # no accounts yet: the CLI is the local administrator
    # no terminal and no --password-stdin: refused, nothing asked on the command line
    assert "password-stdin" in one_line_error(run(path, "users", "add", "ada", "--role", "admin", ok=False))
    run(path, "users", "add", "ada", "--role", "admin", "--password-stdin", stdin=PW + "\n")
    return path


def test_accounts_from_the_command_line(db):  # now the record has accounts: commands name theirs
    assert "--as" in one_line_error(run(db, "stats", ok=False))
    assert "no account 'nobody'" in one_line_error(run(db, "--as", "nobody", "stats", ok=False))
    gen = run(db, "--as", "ada", "users", "add", "ian", "--role", "imo", "--generate-password")
    password = gen.stdout.split("keep it safe): ")[1].split()[0]
    assert len(password) >= 20 and password not in run(db, "--as", "ada", "users", "list").stdout
    listing = run(db, "--as", "ada", "users", "list", "--json").stdout
    assert '"username": "ian"' in listing and "argon2" not in listing
    # an IM officer cannot create administrators; a short password is refused
    err = one_line_error(
        run(db, "--as", "ian", "users", "add", "eve", "--role", "admin", "--generate-password", ok=False)
    )
    assert "may not manage admin accounts" in err
    err = one_line_error(
        run(db, "--as", "ada", "users", "passwd", "ian", "--password-stdin", ok=False, stdin="short\n")
    )
    assert "at least 12" in err


def test_tokens_printed_once_and_revoked(db):
    run(db, "users", "add", "tok", "--role", "viewer", "--password-stdin", stdin=PW + "\n", ok=False)  # needs --as
    run(db, "--as", "ada", "users", "add", "tok", "--role", "viewer", "--password-stdin", stdin=PW + "\n")
    token = run(db, "--as", "ada", "users", "token", "tok", "--name", "report").stdout.strip()
    assert token.startswith("lr_") and len(token) > 40
    listed = run(db, "--as", "ada", "users", "tokens", "tok").stdout
    assert token not in listed and token[:9] in listed
    run(db, "--as", "ada", "users", "revoke", "tok", "--hint", token[:9])
    from landrelease.service.accounts import principal_for_token
    from landrelease.service.store import open_store

    s = open_store(str(db))
    try:
        assert principal_for_token(s, token) is None
    finally:
        s.close()


def test_disabled_accounts_cannot_act(db):
    run(db, "--as", "ada", "users", "add", "gone", "--role", "imo", "--generate-password")
    run(db, "--as", "ada", "users", "disable", "gone")
    assert "disabled" in one_line_error(run(db, "--as", "gone", "stats", ok=False))
    run(db, "--as", "ada", "users", "enable", "gone")
    run(db, "--as", "gone", "stats")


def test_operator_on_the_cli_and_personal_data_in_exports(db, tmp_path):
    import json

    assert json.loads(run(db, "--as", "ada", "stats", "--json").stdout)["record"]["areas"] == 60
    from landrelease.service import query
    from landrelease.service.store import open_store

    s = open_store(str(db))
    try:
        own, other = [o["code"] for o in query.search(s, "organisation", limit=2).items]
    finally:
        s.close()
    run(db, "--as", "ada", "users", "add", "olga", "--role", "operator_writer", "--org", own, "--generate-password")
    # importing a unit of another organisation is refused, all or nothing
    src = tmp_path / "units.csv"
    src.write_text(f"name,unit_type,org\nTeam A,manual,{own}\nTeam B,manual,{other}\n")
    err = one_line_error(run(db, "--as", "olga", "import", str(src), "--kind", "unit", ok=False))
    assert "row 2" in err and other in err
    src.write_text(f"name,unit_type,org\nTeam C,mdd,{own}\n")
    run(db, "--as", "olga", "import", str(src), "--kind", "unit")
    args = ("export", str(tmp_path / "v.csv"), "--kind", "victim", "--personal")
    err = one_line_error(run(db, "--as", "olga", *args, ok=False))
    assert "personal data" in err and not (tmp_path / "v.csv").exists()
    run(db, "--as", "olga", "export", str(tmp_path / "v.csv"), "--kind", "victim")
    assert "synthetic address" not in (tmp_path / "v.csv").read_text()
    run(db, "--as", "ada", "export", str(tmp_path / "va.csv"), "--kind", "victim", "--personal")
    assert "synthetic address" in (tmp_path / "va.csv").read_text()
    import sqlite3

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT name, created_by FROM unit WHERE name LIKE 'Team %'").fetchall()
        org = conn.execute("SELECT o.code FROM unit u JOIN organisation o ON o.id = u.org WHERE u.name = 'Team C'")
        assert org.fetchone()[0] == own
    assert rows == [("Team C", "olga")]  # nothing of the refused import; the audit names the account

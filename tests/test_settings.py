"""One settings object (landrelease.settings): read once from a TOML file and LANDRELEASE_* variables,
every setting documented in docs/operations.md (as Datasette checks its own), and no other module
reading the environment."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from landrelease.errors import ValidationError
from landrelease.settings import Settings, described, load_settings

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "docs" / "operations.md"


@pytest.mark.parametrize("key,env", [(k, e) for k, e, _, _ in described()])
def test_every_setting_is_documented(key, env):
    """A row of the settings table in docs/operations.md names the TOML key and the variable."""
    rows = [line for line in OPERATIONS.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert any(f"`{key}`" in row and f"`{env}`" in row for row in rows), (
        f"setting {key} ({env}) is not documented in docs/operations.md (a row of the settings table)"
    )


def test_documented_settings_exist():
    """…and the table names no setting that is gone."""
    text = OPERATIONS.read_text(encoding="utf-8")
    named = set(re.findall(r"`(LANDRELEASE_[A-Z_]+)`", text))
    known = {e for _, e, _, _ in described()} | {"LANDRELEASE_CONFIG", "LANDRELEASE_SERVE_SETTINGS"}
    assert named <= known, f"docs/operations.md names unknown variables: {sorted(named - known)}"


def test_defaults_then_file_then_environment_then_options(tmp_path):
    assert load_settings(environ={}) == Settings()
    conf = tmp_path / "landrelease.toml"
    conf.write_text('db = "from-file.db"\nport = 8100\nsession_hours = 8\npublic_view = true\n', encoding="utf-8")
    s = load_settings(conf, environ={})
    assert (s.db, s.port, s.session_hours, s.public_view) == ("from-file.db", 8100, 8.0, True)
    env = {"LANDRELEASE_PORT": "8200", "LANDRELEASE_PUBLIC_VIEW": "0", "LANDRELEASE_CONFIG": "/nowhere"}
    s = load_settings(conf, environ=env)  # --config wins over LANDRELEASE_CONFIG
    assert (s.db, s.port, s.public_view) == ("from-file.db", 8200, False)
    s = load_settings(environ={"LANDRELEASE_CONFIG": str(conf), "LANDRELEASE_AS": "ana"}, db="option.db")
    assert (s.db, s.as_user, s.port) == ("option.db", "ana", 8100)
    assert load_settings(environ={"LANDRELEASE_BASEMAP": ""}).basemap is None  # empty: unset


@pytest.mark.parametrize(
    "env,message",
    [
        ({"LANDRELEASE_PORT": "eighty"}, r"^port: 'eighty' is not a whole number \(from LANDRELEASE_PORT\)$"),
        ({"LANDRELEASE_PUBLIC_VIEW": "maybe"}, r"^public_view: 'maybe' is not true/false"),
        ({"LANDRELEASE_SESSION_HOURS": "nan"}, r"^session_hours: 'nan' is not a number"),
        ({"LANDRELEASE_SESSION_HOURS": "0"}, r"^session_hours: must be more than 0"),
        ({"LANDRELEASE_LOGIN_USER_FAILURES": "0"}, r"^login_user_failures: must be at least 1"),
        ({"LANDRELEASE_CONFIG": "/no/such/file.toml"}, r"no settings file '/no/such/file.toml'"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(env, message):
    with pytest.raises(ValidationError, match=message) as info:
        load_settings(environ=env)
    assert "\n" not in str(info.value)


def test_a_bad_file_is_refused(tmp_path):
    conf = tmp_path / "bad.toml"
    conf.write_text('dbb = "x"\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"unknown setting 'dbb'; known settings: .*\bdb\b"):
        load_settings(conf, environ={})
    conf.write_text("port = 80 80\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid TOML"):
        load_settings(conf, environ={})
    conf.write_text('port = "8000"\nworkers = 2.5\n', encoding="utf-8")
    with pytest.raises(ValidationError, match=r"^workers: 2.5 is not a whole number \(from .*bad.toml\)"):
        load_settings(conf, environ={})


def test_a_child_process_gets_the_exact_settings():
    s = Settings(db="postgresql://u:p@h/db", port=9000, public_view=True, scenarios=Path("/srv/sc"), session_hours=2.5)
    assert Settings.from_json(s.to_json()) == s
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.port = 1  # type: ignore[misc]


#: The modules that may touch os.environ: the loader, the CLI that hands it the environment, the
#: hand-over of the whole settings object to `serve --workers` processes (uvicorn starts them from an
#: import string), and pg_dump/pg_restore's environment (the parent's, plus the database password).
ENVIRON_ALLOWED = {"settings.py", "cli/main.py", "cli/serve.py", "server/app.py", "store/maintenance.py"}


def test_no_other_module_reads_the_environment():
    src = ROOT / "src" / "landrelease"
    readers = []
    for path in src.rglob("*.py"):
        rel = path.relative_to(src).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                name = node.attr
            if isinstance(node, ast.keyword) and node.arg == "envvar":  # typer/click reading a variable
                name = "envvar"
            if name and rel not in ENVIRON_ALLOWED:
                readers.append(f"{rel}:{node.lineno} ({name})")
    assert not readers, "read settings from landrelease.settings.Settings, not the environment: " + ", ".join(readers)


def test_cli_reads_a_settings_file_and_refuses_a_bad_variable(tmp_path):
    db = tmp_path / "rec.db"
    conf = tmp_path / "landrelease.toml"
    conf.write_text(f'db = "{db}"\nuser = "ops:test"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDRELEASE_")}
    run = [sys.executable, "-m", "landrelease"]
    done = subprocess.run([*run, "--config", str(conf), "init"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert db.exists() and str(db) in done.stdout
    env["LANDRELEASE_CONFIG"] = str(conf)
    env["LANDRELEASE_SESSION_HOURS"] = "twelve"
    bad = subprocess.run([*run, "stats"], env=env, capture_output=True, text=True)
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == [
        "error: session_hours: 'twelve' is not a number (from LANDRELEASE_SESSION_HOURS)"
    ]

"""The settings of one Landrelease process: one frozen object, read once, passed explicitly.

Read in this order, each overriding the one before: the defaults below (they work offline on a
laptop), an optional TOML file (`--config FILE` or `LANDRELEASE_CONFIG`; keys are the field names),
`LANDRELEASE_*` environment variables (the name is given by each field), and finally the command's
own options (`--db`, `--as`, `serve --port` …). Nothing else in the package reads the environment:
the CLI loads a `Settings` and hands it to the store (`Store.settings`, which every use case can
read), to the web application (`create_app(store)` takes the store's) and to the processes it
starts (server workers and plan runs get it serialised, `to_json`/`from_json`).

Every field is documented in docs/operations.md (tests/test_settings.py fails otherwise, as
Datasette's own test does). To add a setting: add a field with its `help`, document it there, and
read it from `store.settings` (service) or `request.app.state.settings` (server).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from landrelease.domain.entry_rules import EntryRules
from landrelease.errors import ValidationError

PREFIX = "LANDRELEASE_"
CONFIG_ENV = "LANDRELEASE_CONFIG"


def _setting(default: Any, text: str, *, env: str | None = None) -> Any:
    """A field with its documentation (`text`) and, when not LANDRELEASE_<NAME>, its variable."""
    return field(default=default, metadata={"help": text, "env": env})


@dataclass(frozen=True)
class Settings:
    """Everything a process of Landrelease can be told from outside. Frozen: read once, never
    changed behind anyone's back; `dataclasses.replace` makes a changed copy."""

    # --- the record and who acts on it
    db: str = _setting("landrelease.db", "SQLite file path or postgresql://… URL of the record.")
    as_user: str | None = _setting(
        None, "The CLI's account (required once the record has accounts); `--as`.", env="LANDRELEASE_AS"
    )
    user: str | None = _setting(
        None, "Name signed in the audit rows of a CLI without accounts (default `cli:<login name>`)."
    )
    # --- the web application
    host: str = _setting("127.0.0.1", "Address `landrelease serve` listens on (0.0.0.0: every interface).")
    port: int = _setting(8000, "TCP port of `landrelease serve`.")
    workers: int = _setting(1, "Server processes of `landrelease serve`.")
    forwarded_allow_ips: str = _setting(
        "127.0.0.1",
        "Proxies trusted for X-Forwarded-For/-Proto (comma-separated addresses, or * for any).",
    )
    public_view: bool = _setting(False, "Anonymous visitors see released land and statistics (never hazards).")
    basemap: Path | None = _setting(None, "A PMTiles file shown under the record instead of the bundled basemap.")
    scenarios: Path | None = _setting(None, "Directory of planning scenario files the Plan page offers.")
    plan_cache: Path | None = _setting(None, "Directory of web plan runs' results (default: a temporary folder).")
    web: Path | None = _setting(None, "The front-end folder (web/, with node_modules) when not beside the package.")
    language: str = _setting(
        "en", "Pages' language when ?lang=, the cookie and Accept-Language name none spoken: en uk ru ar es fr."
    )
    # --- field intake (docs/review.md)
    review_two_person: bool = _setting(
        True, "Verifying and approving a field submission need two different accounts (docs/review.md)."
    )
    # --- accounts (docs/security.md)
    session_hours: float = _setting(12.0, "A web session ends this many hours after sign-in.")
    login_user_failures: int = _setting(5, "Failed sign-ins in 15 minutes that lock a username for 15 minutes.")
    login_address_failures: int = _setting(
        20, "Failed sign-ins in 15 minutes that lock a client address for 15 minutes."
    )
    # --- limits on what a stranger can send (docs/security.md)
    max_form_bytes: int = _setting(64 * 1024, "Request body cap of the sign-in and sign-out forms, bytes.")
    max_body_bytes: int = _setting(
        4 * 1024 * 1024, "Request body cap of every route without its own (API writes, review, plans), bytes."
    )
    max_upload_bytes: int = _setting(50 * 1024 * 1024, "Request body cap of ODK Collect submissions, bytes.")
    max_import_bytes: int = _setting(
        1024 * 1024 * 1024, "Decompressed bytes of one file for `landrelease import` (zip members included)."
    )
    max_import_features: int = _setting(2_000_000, "Features of one file for `landrelease import`.")
    max_export_bytes: int = _setting(
        256 * 1024 * 1024, "Decompressed bytes of a KoboToolbox / ODK Central export (`intake import`)."
    )
    max_export_rows: int = _setting(500_000, "Rows (submissions, repeat rows, features) of one export table.")
    max_zip_members: int = _setting(1000, "Files in one zip given to an import.")

    # --- entry rules (domain/entry_rules.py; docs/user-guide.md "Entry rules")
    rules_future_days: int = _setting(1, "Days after today a date of what has happened may carry (time zones).")
    rules_programme_start: str = _setting("1940-01-01", "No record is dated before this day (dates of birth exempt).")
    rules_location_tolerance_m: float = _setting(
        100.0, "How far (m) a find or worksite may lie outside the hazardous area it names."
    )
    rules_min_area_m2: float = _setting(1.0, "The smallest hazardous area a perimeter may enclose (m²).")
    rules_daily_max_m2: str = _setting(
        "", "One team's day at most, m², by team type: `manual=2000,mechanical=10000,…` (others keep their default)."
    )
    rules_near_fraction: float = _setting(0.8, "Share of a team's daily ceiling from which a report is flagged.")

    def entry_rules(self) -> EntryRules:
        """The `rules_*` settings as the entry rules' values (validated when the settings are made)."""
        return _entry_rules(
            tuple(
                (f.name.removeprefix("rules_"), getattr(self, f.name))
                for f in fields(self)
                if f.name.startswith("rules_")
            )
        )

    def __post_init__(self) -> None:
        self.entry_rules()  # a bad rule value is refused with the settings, naming it
        for name, low in (
            ("port", 1),
            ("workers", 1),
            ("login_user_failures", 1),
            ("login_address_failures", 1),
            ("max_form_bytes", 1),
            ("max_body_bytes", 1),
            ("max_upload_bytes", 1),
            ("max_import_bytes", 1),
            ("max_import_features", 1),
            ("max_export_bytes", 1),
            ("max_export_rows", 1),
            ("max_zip_members", 1),
        ):
            if getattr(self, name) < low:
                raise ValidationError(f"must be at least {low}", field=name)
        if self.language not in ("en", "uk", "ru", "ar", "es", "fr"):  # landrelease.i18n.LANGUAGES
            raise ValidationError(
                f"{self.language!r} is not a language Landrelease speaks; use one of: en, uk, ru, ar, es, fr",
                field="language",
            )
        if not self.session_hours > 0:
            raise ValidationError("must be more than 0 hours", field="session_hours")

    # ---------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        """For a child process (server worker, plan run): the exact settings of its parent."""
        return json.dumps({f.name: _plain(getattr(self, f.name)) for f in fields(self)})

    @classmethod
    def from_json(cls, text: str) -> Settings:
        raw = json.loads(text)
        return cls(**{f.name: _convert(f, raw[f.name], "json") for f in fields(cls) if f.name in raw})


@functools.lru_cache(maxsize=32)
def _entry_rules(values: tuple[tuple[str, Any], ...]) -> EntryRules:
    return EntryRules.from_values(dict(values))


def env_name(f: dataclasses.Field) -> str:  # type: ignore[type-arg]
    return f.metadata.get("env") or PREFIX + f.name.upper()


def described() -> list[tuple[str, str, Any, str]]:
    """(TOML key, environment variable, default, help) of every setting: for docs and `landrelease settings`."""
    return [(f.name, env_name(f), f.default, f.metadata["help"]) for f in fields(Settings)]


def load_settings(
    config: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults ← TOML file ← `LANDRELEASE_*` variables ← `overrides` (None values are ignored).

    `environ` is the environment to read (the CLI passes `os.environ`; tests pass a dict). A bad
    value is a one-line `ValidationError` naming the setting and where it came from."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    by_name = {f.name: f for f in fields(Settings)}
    path = config or environ.get(CONFIG_ENV) or None
    if path:
        for key, raw in _read_toml(Path(path)).items():
            if key not in by_name:
                known = ", ".join(sorted(by_name))
                raise ValidationError(f"{path}: unknown setting {key!r}; known settings: {known}", field=key)
            values[key] = _convert(by_name[key], raw, str(path))
    for f in fields(Settings):
        name = env_name(f)
        if name in environ:
            values[f.name] = _convert(f, environ[name], name)
    for key, value in overrides.items():
        if key not in by_name:
            raise TypeError(f"no setting {key!r}")
        if value is not None:
            values[key] = _convert(by_name[key], value, "option")
    return Settings(**values)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ValidationError(f"no settings file {str(path)!r}", field="config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not valid TOML ({exc})", field="config") from None
    for key, value in data.items():
        if isinstance(value, dict):
            raise ValidationError(f"{path}: [{key}] tables are not settings; write key = value lines", field=key)
    return data


def _base_type(f: dataclasses.Field) -> type:  # type: ignore[type-arg]
    hint = typing.get_type_hints(Settings)[f.name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return next(a for a in typing.get_args(hint) if a is not type(None))
    return hint


def _convert(f: dataclasses.Field, raw: Any, source: str) -> Any:  # type: ignore[type-arg]
    """A value from TOML, the environment or an option, as the field's type."""
    kind = _base_type(f)
    optional = f.default is None
    src = f"(from {source})"
    if raw is None or (isinstance(raw, str) and raw.strip() == "" and optional):
        if optional:
            return None
        raise ValidationError(f"a value is required {src}", field=f.name)
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValidationError(f"{raw!r} is not true/false (1/0, yes/no, on/off) {src}", field=f.name)
    if kind is int:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValidationError(f"{raw!r} is not a whole number {src}", field=f.name)
        try:
            return int(str(raw).strip()) if not isinstance(raw, int | float) else int(raw)
        except ValueError:
            raise ValidationError(f"{raw!r} is not a whole number {src}", field=f.name) from None
    if kind is float:
        try:
            value = float(raw) if not isinstance(raw, bool) else None
        except (TypeError, ValueError):
            value = None
        if value is None or value != value or value in (float("inf"), float("-inf")):
            raise ValidationError(f"{raw!r} is not a number {src}", field=f.name)
        return value
    if kind is Path:
        if not isinstance(raw, str | Path):
            raise ValidationError(f"{raw!r} is not a path {src}", field=f.name)
        return Path(raw).expanduser()
    if not isinstance(raw, str):
        raise ValidationError(f"{raw!r} is not text {src}", field=f.name)
    return raw


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else value

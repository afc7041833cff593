"""The layers of DESIGN.md, read from the imports of every module (ast, no import is executed).

- server/ and cli/ are thin adapters: they call the service, never the store (nor SQLAlchemy);
- domain/, geo/ and planning/ are pure: they import each other, `landrelease.errors` and the pure
  policy of `landrelease.auth` (roles, policy), never a layer above them, and no I/O framework;
- auth/ keeps only the pure policy: no store, service or SQL;
- the store owns dialects, row locks and audit rows: no ``dialect.name`` and no ``insert(audit)``
  outside store/;
- the intake package is gone: field intake lives in service/ and formats/.

An import inside a function counts as much as one at the top: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "landrelease"

PURE = ("domain", "geo", "planning")
#: What a pure layer may import from the package, besides itself.
PURE_MAY = {"domain", "geo", "planning", "errors", "auth.roles", "auth.policy"}
#: Third-party modules that mean I/O or a framework: never in a pure layer or in auth/.
IO_LIBRARIES = {"sqlalchemy", "alembic", "fastapi", "starlette", "typer", "pyogrio", "psycopg", "httpx", "uvicorn"}


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path, package: list[str] | None = None) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in the module, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = package or ["landrelease", *path.relative_to(SRC).parent.parts]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            # `from landrelease import store` imports the subpackage: count each name as a module
            if base == "landrelease":
                out += [(node.lineno, f"landrelease.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, base))
    return out


def _inside(module: str) -> str | None:
    """The part of a landrelease module after the package name ('store.repo'), None if not ours."""
    if module == "landrelease" or not module.startswith("landrelease."):
        return None
    return module[len("landrelease.") :]


def _violations(rule) -> list[str]:  # type: ignore[no-untyped-def]
    bad: list[str] = []
    for path in _modules():
        layer = _layer(path)
        for line, module in _imports(path):
            why = rule(layer, module)
            if why:
                bad.append(f"{path.relative_to(SRC.parent)}:{line} imports {module} ({why})")
    return bad


def _adapters_use_the_service(layer: str, module: str) -> str | None:
    if layer not in ("server", "cli"):
        return None
    inner = _inside(module)
    if inner is not None and (inner == "store" or inner.startswith("store.")):
        return f"{layer}/ is an adapter: call a service function instead of the store"
    if module.split(".")[0] == "sqlalchemy":
        return f"{layer}/ is an adapter: SQL belongs in the store"
    return None


def _pure_layers_stay_pure(layer: str, module: str) -> str | None:
    if layer not in PURE:
        return None
    inner = _inside(module)
    if inner is not None:
        allowed = any(inner == ok or inner.startswith(ok + ".") for ok in PURE_MAY)
        return None if allowed else f"{layer}/ is pure: it may not depend on a layer above it"
    if module.split(".")[0] in IO_LIBRARIES:
        return f"{layer}/ is pure: no I/O framework"
    return None


def _auth_is_pure_policy(layer: str, module: str) -> str | None:
    if layer != "auth":
        return None
    inner = _inside(module)
    if inner is not None and not any(inner == ok or inner.startswith(ok + ".") for ok in ("auth", "errors", "domain")):
        return "auth/ keeps only the pure policy (roles, policy): use cases belong in service/"
    if module.split(".")[0] in IO_LIBRARIES:
        return "auth/ keeps only the pure policy: no I/O"
    return None


@pytest.mark.parametrize(
    "rule", [_adapters_use_the_service, _pure_layers_stay_pure, _auth_is_pure_policy], ids=lambda r: r.__name__
)
def test_layers_import_only_what_they_may(rule):
    assert _violations(rule) == []


def test_dialects_and_audit_rows_stay_in_the_store():
    """`conn.dialect.name` / `engine.dialect.name` checks and hand-written audit inserts: store/ only."""
    bad: list[str] = []
    for path in _modules():
        if _layer(path) == "store":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "name":
                v = node.value
                if isinstance(v, ast.Attribute) and v.attr == "dialect":
                    bad.append(f"{path.relative_to(SRC.parent)}:{node.lineno}: reads the dialect")
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "insert":
                if any(isinstance(a, ast.Name) and a.id == "audit" for a in node.args):
                    bad.append(f"{path.relative_to(SRC.parent)}:{node.lineno}: writes an audit row by hand")
    assert bad == []


def test_there_is_one_use_case_layer():
    assert not (SRC / "intake").exists(), "field intake lives in service/ (use cases) and formats/ (parsing)"
    assert not (SRC / "auth" / "accounts.py").exists(), "accounts are use cases: landrelease.service.accounts"


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The rules above would not notice a violation if the import reader were wrong: feed them some."""
    assert _adapters_use_the_service("server", "landrelease.store.repo")
    assert _adapters_use_the_service("cli", "sqlalchemy")
    assert not _adapters_use_the_service("server", "landrelease.service.records")
    assert _pure_layers_stay_pure("domain", "landrelease.service.write")
    assert _pure_layers_stay_pure("planning", "landrelease.store")
    assert _pure_layers_stay_pure("geo", "landrelease.formats.layer")
    assert _pure_layers_stay_pure("geo", "sqlalchemy.orm")
    assert not _pure_layers_stay_pure("planning", "landrelease.domain.vocab")
    assert _auth_is_pure_policy("auth", "landrelease.service.store")
    # relative imports are resolved, and `from landrelease import store` names the subpackage
    probe = tmp_path / "probe.py"  # as if it were landrelease/server/probe.py
    probe.write_text("from ..store import repo\nfrom landrelease import store\nimport sqlalchemy\n", encoding="utf-8")
    found = [m for _, m in _imports(probe, ["landrelease", "server"])]
    assert found == ["landrelease.store", "landrelease.store", "sqlalchemy"]
    assert all(_adapters_use_the_service("server", m) for m in found)

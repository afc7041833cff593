"""CQL2 filters on a kind's records: OGC API – Features – Part 3 (OGC 19-079r2) with the Common Query
Language CQL2 (OGC 21-065r2), text and JSON encodings.

The text is parsed by pygeofilter (its CQL2 text grammar, extended here with the array functions
`A_CONTAINS(dev_susp, ('ap_mine'))` etc. that its 0.4 grammar lacks; its CQL2 JSON parser as it is).
The parse tree is then checked against the kind's queryables — every property named must be one, every
literal must fit the property's type (a vocabulary value is checked against its vocabulary) — and
translated to SQLAlchemy expressions with bound parameters: never a string of SQL built from the
filter. What differs between SQLite and PostgreSQL (list membership, case-sensitive LIKE) is in
`store.repo`.

Supported, as /conformance says: Basic CQL2 (comparisons of a property with a literal, IS NULL, AND,
OR, NOT), advanced comparison operators (LIKE, BETWEEN, IN), and the array functions on list fields
(A_CONTAINS, A_CONTAINEDBY, A_OVERLAPS, A_EQUALS). A list field also compares as the one
comma-separated text the features carry (`dev_susp LIKE '%ap_mine%'`: what QGIS and GDAL send for
what they see as a string). Not supported (refused with a message, not
advertised): spatial and temporal functions, property-to-property comparisons, arithmetic, CASEI and
ACCENTI — use bbox and datetime for place and time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, false, not_, or_, select, true

from landrelease.domain.model import Entity, Field, FieldType
from landrelease.errors import ValidationError
from landrelease.store import repo
from landrelease.store.schema import TABLES

#: Longest filter accepted, in characters, and most predicates in one filter (a filter is a query
#: a client wrote; these bound the SQL it becomes).
MAX_TEXT = 20_000
MAX_NODES = 500

LANGS = ("cql2-text", "cql2-json")

#: Properties every record has beside its fields (`records.SYSTEM_FIELDS`), as queryables.
SYSTEM: dict[str, tuple[str, str]] = {
    "code": ("text", "Record code (HA-…, ACT-…): the feature id"),
    "synthetic": ("bool", "Generated demo data, not surveyed"),
    "version": ("int", "Version of the record (1 when created, one more per change)"),
    "created_at": ("timestamp", "When the record was created (UTC)"),
    "created_by": ("text", "Who created the record"),
    "updated_at": ("timestamp", "When the record was last changed (UTC)"),
    "updated_by": ("text", "Who last changed the record"),
}


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: a field of the model, or a system column (`kind` then says which
    type: text, int, bool, timestamp)."""

    name: str
    kind: str
    title: str
    field: Field | None = None

    @property
    def is_list(self) -> bool:
        return self.field is not None and self.field.type is FieldType.VOCAB_LIST


def queryables(e: Entity) -> dict[str, Queryable]:
    """What a filter on `e` may name: its fields except personal data (victims' names never leave, not
    even through a filter that could probe them) and free JSON, then the system columns."""
    out = {"code": Queryable("code", "text", SYSTEM["code"][1])}
    for f in e.fields:
        if f.sensitive or f.type is FieldType.JSON:
            continue
        out[f.name] = Queryable(f.name, f.type.value, getattr(f, "label", "") or f.doc, f)
    for name, (kind, title) in SYSTEM.items():
        out.setdefault(name, Queryable(name, kind, title))
    return out


# ---------------------------------------------------------------------------------------------- parsing


@lru_cache(maxsize=1)
def _text_parser() -> Any:
    """pygeofilter's CQL2 text grammar plus the array predicates (OGC 21-065 §7.10), built once."""
    import importlib.resources
    import os

    from lark import Lark, v_args
    from pygeofilter.cql2 import ARRAY_PREDICATES_MAP
    from pygeofilter.parsers.cql2_text import parser as cql2_text

    grammar = (importlib.resources.files(cql2_text.__package__) / "grammar.lark").read_text(encoding="utf-8")
    marker = "          | temporal_predicate\n"
    if marker not in grammar:  # a pygeofilter release with another grammar: the array functions go
        raise RuntimeError("pygeofilter's CQL2 grammar changed; revisit service/filters.py")
    grammar = grammar.replace(marker, marker + "          | array_predicate\n", 1)
    grammar += (
        '\narray_predicate: ARRAY_OP "(" array_operand "," array_operand ")"\n'
        'ARRAY_OP.3: "A_EQUALS"i | "A_CONTAINS"i | "A_CONTAINEDBY"i | "A_OVERLAPS"i\n'
        "?array_operand: attribute\n"
        '              | "(" ")" -> empty_array\n'
        '              | "(" expression ("," expression)* ")" -> array\n'
    )

    @v_args(inline=True)
    class Transformer(cql2_text.CQLTransformer):  # type: ignore[misc, name-defined]
        def array_predicate(self, op: Any, lhs: Any, rhs: Any) -> Any:
            return ARRAY_PREDICATES_MAP[str(op).lower()](lhs, rhs)

        def array(self, *items: Any) -> list[Any]:
            return list(items)

        def empty_array(self) -> list[Any]:
            return []

    return Lark(
        grammar,
        parser="lalr",
        maybe_placeholders=False,
        transformer=Transformer(),
        import_paths=[os.path.dirname(os.path.dirname(cql2_text.__file__))],
    )


def parse(text: str, lang: str | None = None) -> Any:
    """A `filter` parameter (CQL2 text, or CQL2 JSON with `filter-lang=cql2-json`) → pygeofilter's tree.
    A filter that does not parse is a ValidationError naming `filter` and where it went wrong."""
    lang = (lang or "cql2-text").strip().lower()
    if lang not in LANGS:
        raise ValidationError(f"{lang!r} is not a filter language here; use {' or '.join(LANGS)}", field="filter-lang")
    if len(text) > MAX_TEXT:
        raise ValidationError(f"is longer than {MAX_TEXT} characters", field="filter")
    if not text.strip():
        raise ValidationError("is empty", field="filter")
    try:
        if lang == "cql2-json":
            from pygeofilter.parsers.cql2_json import parse as parse_json

            try:
                doc = json.loads(text)
            except ValueError as exc:
                raise ValidationError(f"is not JSON: {exc}", field="filter") from None
            return parse_json(doc)
        return _text_parser().parse(text)
    except ValidationError:
        raise
    except RecursionError:
        raise ValidationError("is nested too deeply", field="filter") from None
    except Exception as exc:  # lark and pygeofilter raise many kinds; all mean "not CQL2 we read"
        detail = " ".join(str(exc).split())[:200]
        raise ValidationError(f"is not a CQL2 {lang[5:]} filter we can read: {detail}", field="filter") from None


# ------------------------------------------------------------------------------------------ translating


def compile_filter(e: Entity, node: Any) -> Callable[[Any], Any]:
    """Check a parsed filter against `e`'s queryables now (every mistake is a ValidationError before
    any query) and return conn → the SQLAlchemy condition for that connection's backend."""
    _Translator(e, "sqlite").node(node)  # the check: the same walk, thrown away

    def condition(conn: Any) -> Any:
        return _Translator(e, repo.backend(conn)).node(node)

    return condition


class _Translator:
    def __init__(self, e: Entity, dialect: str) -> None:
        self.e = e
        self.dialect = dialect
        self.table = TABLES[e.kind]
        self.queryables = queryables(e)
        self.nodes = 0

    # -- the tree

    def node(self, n: Any) -> Any:
        from pygeofilter import ast

        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ValidationError(f"has more than {MAX_NODES} parts", field="filter")
        if isinstance(n, bool):
            return true() if n else false()
        if isinstance(n, ast.And):
            return and_(self.node(n.lhs), self.node(n.rhs))
        if isinstance(n, ast.Or):
            return or_(self.node(n.lhs), self.node(n.rhs))
        if isinstance(n, ast.Not):
            return not_(self.node(n.sub_node))
        if isinstance(n, ast.Include):  # INCLUDE, or EXCLUDE when not_
            return false() if n.not_ else true()
        if isinstance(n, ast.Comparison):
            return self.comparison(n)
        if isinstance(n, ast.Between):
            q = self.property(n.lhs)
            col = self.column(q, "BETWEEN")
            cond = col.between(self.literal(q, n.low), self.literal(q, n.high))
            return not_(cond) if n.not_ else cond
        if isinstance(n, ast.In):
            q = self.property(n.lhs)
            values = [self.literal(q, v) for v in n.sub_nodes]
            cond = self.equal_any(q, values)
            return not_(cond) if n.not_ else cond
        if isinstance(n, ast.Like):
            return self.like(n)
        if isinstance(n, ast.IsNull):
            q = self.property(n.lhs)
            col = self.table.c[q.name]
            return col.is_not(None) if n.not_ else col.is_(None)
        if isinstance(n, ast.ArrayPredicate):
            return self.array(n)
        raise ValidationError(f"{_name(n)} is not supported here (see /conformance for what is)", field="filter")

    def comparison(self, n: Any) -> Any:
        from pygeofilter import ast

        lhs, rhs, op = n.lhs, n.rhs, n.op.value
        if not isinstance(lhs, ast.Attribute) and isinstance(rhs, ast.Attribute):  # 'x' < prop: prop > 'x'
            lhs, rhs = rhs, lhs
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        q = self.property(lhs)
        if isinstance(rhs, ast.Attribute):
            raise ValidationError("comparing two properties is not supported; compare with a value", field="filter")
        value = self.literal(q, rhs)
        if op == "=":
            return self.equal_any(q, [value])
        if op == "<>":
            return not_(self.equal_any(q, [value]))
        col = self.column(q, op)
        return {"<": col < value, "<=": col <= value, ">": col > value, ">=": col >= value}[op]

    def like(self, n: Any) -> Any:
        q = self.property(n.lhs)
        if q.kind not in ("text", "vocab", "ref", "vocab_list"):
            raise ValidationError(f"LIKE compares text; {q.name!r} is not text", field="filter")
        if not isinstance(n.pattern, str):
            raise ValidationError("LIKE takes a text pattern ('Kh%')", field="filter")
        if n.nocase:
            raise ValidationError("case-insensitive LIKE is not supported", field="filter")
        cond = repo.like(self.dialect, self.column(q, "LIKE"), n.pattern)
        return not_(cond) if n.not_ else cond

    def array(self, n: Any) -> Any:
        from pygeofilter import ast

        q = self.property(n.lhs)
        if not q.is_list:
            raise ValidationError(f"{q.name!r} is not a list: array functions apply to list properties", field="filter")
        raw = n.rhs if isinstance(n.rhs, list) else [n.rhs]
        if any(isinstance(v, ast.Node) for v in raw):
            raise ValidationError("array functions take a list of values: ('ap_mine', 'at_mine')", field="filter")
        values = [_vocab(q, v) for v in raw]
        op = {
            ast.ArrayContains: "contains",
            ast.ArrayContainedBy: "contained_by",
            ast.ArrayOverlaps: "overlaps",
            ast.ArrayEquals: "equals",
        }[type(n)]
        return repo.list_predicate(self.dialect, self.table.c[q.name], op, values)

    # -- properties and values

    def property(self, a: Any) -> Queryable:
        from pygeofilter import ast

        if not isinstance(a, ast.Attribute):
            raise ValidationError(f"expected a property name, got {_name(a)}", field="filter")
        q = self.queryables.get(a.name)
        if q is None:
            names = ", ".join(self.queryables)
            raise ValidationError(f"{a.name!r} is not a queryable of {self.e.plural} ({names})", field="filter")
        return q

    def column(self, q: Queryable, op: str) -> Any:
        """The SQL value of a property: a reference compares by the referenced record's code."""
        if q.kind == "ref":
            other = TABLES[q.field.ref]  # type: ignore[union-attr, index]
            return select(other.c.code).where(other.c.id == self.table.c[q.name]).scalar_subquery()
        if q.is_list:  # the comma-separated text the features carry ('ap_mine,uxo')
            return repo.list_text(self.dialect, self.table.c[q.name])
        return self.table.c[q.name]

    def equal_any(self, q: Queryable, values: list[Any]) -> Any:
        """Equality with one of `values`; a reference through its code, on the referenced table's index."""
        if q.kind == "ref":
            other = TABLES[q.field.ref]  # type: ignore[union-attr, index]
            return self.table.c[q.name].in_(select(other.c.id).where(other.c.code.in_(values)))
        col = self.column(q, "=")
        return col == values[0] if len(values) == 1 else col.in_(values)

    def literal(self, q: Queryable, v: Any) -> Any:
        """A literal checked (and converted) for the property's type; the message names what was wrong."""
        from pygeofilter import ast

        if isinstance(v, ast.Node) or isinstance(v, list):
            raise ValidationError(f"compare {q.name!r} with a value, not {_name(v)}", field="filter")
        kind = q.kind
        bad = ValidationError(f"{v!r} is not a valid value for {q.name!r} ({_expects(q)})", field="filter")
        if kind in ("text", "ref", "vocab_list"):  # a list compares as its comma-separated text
            if not isinstance(v, str):
                raise bad
            return v
        if kind == "vocab":
            return _vocab(q, v)
        if kind in ("int", "float"):
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise bad
            if kind == "int" and isinstance(v, float) and not v.is_integer():
                raise bad
            if kind == "int" and not -(2**63) <= v < 2**63:  # what both databases hold
                raise bad
            return v
        if kind == "bool":
            if not isinstance(v, bool):
                raise bad
            return v
        if kind == "date":
            if isinstance(v, dt.datetime):
                return v.date()
            if isinstance(v, dt.date):
                return v
            if isinstance(v, str):
                try:
                    return dt.date.fromisoformat(v[:10])
                except ValueError:
                    raise bad from None
            raise bad
        if kind == "timestamp":
            if isinstance(v, str):
                try:
                    v = dt.datetime.fromisoformat(v)
                except ValueError:
                    raise bad from None
            if isinstance(v, dt.datetime):
                return (v if v.tzinfo else v.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
            if isinstance(v, dt.date):
                return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
            raise bad
        raise bad


def _vocab(q: Queryable, v: Any) -> str:
    if not isinstance(v, str) or q.field is None or q.field.vocab is None:
        raise ValidationError(f"{v!r} is not a valid value for {q.name!r} ({_expects(q)})", field="filter")
    try:
        return q.field.vocab.parse(v, field=q.name).value
    except ValidationError as exc:
        raise ValidationError(f"{q.name}: {exc.message}", field="filter") from None


def _expects(q: Queryable) -> str:
    return {
        "text": "text in quotes",
        "ref": "a record code in quotes",
        "vocab": "one of " + ", ".join(m.value for m in (q.field.vocab if q.field and q.field.vocab else [])),
        "vocab_list": "comma-separated values in quotes, or an array function",
        "int": "a whole number",
        "float": "a number",
        "bool": "TRUE or FALSE",
        "date": "DATE('2024-05-01')",
        "timestamp": "TIMESTAMP('2024-05-01T00:00:00Z')",
    }.get(q.kind, q.kind)


def _name(n: Any) -> str:
    return type(n).__name__ if not isinstance(n, str | int | float) else repr(n)

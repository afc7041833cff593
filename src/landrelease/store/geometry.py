"""A geometry column type shared by both backends.

SQLite (embedded, no SpatiaLite: this Python cannot load extensions) stores ISO WKB in a BLOB;
PostgreSQL stores a PostGIS ``geometry(Geometry, 4326)`` so that QGIS and SQL users see a real
spatial column. Python always sees WKB bytes; the service converts with shapely.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.types import LargeBinary, TypeDecorator, UserDefinedType


class _PostGISGeometry(UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "geometry(Geometry, 4326)"

    def bind_expression(self, bindvalue):  # type: ignore[no-untyped-def]
        return func.ST_GeomFromWKB(bindvalue, 4326, type_=self)

    def column_expression(self, col):  # type: ignore[no-untyped-def]
        return func.ST_AsBinary(col, type_=LargeBinary())

    def bind_processor(self, dialect):  # type: ignore[no-untyped-def]
        def process(value: Any) -> Any:
            return None if value is None else bytes(value)

        return process

    def result_processor(self, dialect, coltype):  # type: ignore[no-untyped-def]
        def process(value: Any) -> Any:
            return None if value is None else bytes(value)

        return process


class Geometry(TypeDecorator):
    """WKB in, WKB out; a PostGIS geometry on PostgreSQL, a BLOB on SQLite."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostGISGeometry())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else bytes(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else bytes(value)

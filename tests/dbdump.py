"""A database-agnostic dump of every row of every table, as text, for "is X stored?" tests."""

from __future__ import annotations

from django.db import connection


def dump_all_rows() -> str:
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            for row in cursor.fetchall():
                parts.append(" ".join(repr(value) for value in row))
    return "\n".join(parts)

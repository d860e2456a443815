"""Set-based writes the ORM has no fast form of."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def rows_update(objects: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save ``fields`` of each object (all of one model) by primary key: one prepared
    ``UPDATE … WHERE id = %s`` executed for every row (``executemany``: one round of the
    driver's batching on PostgreSQL, a loop in C on SQLite). Django's ``bulk_update`` builds a
    ``CASE`` expression of rows × fields instead, which costs seconds for a thousand rows.
    Call it inside the caller's transaction; it runs no signals and no ``auto_now``."""
    if not objects:
        return
    meta = type(objects[0])._meta
    columns: list[models.Field[Any, Any]] = []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, models.Field)
        columns.append(field)
    pk = meta.pk
    assert pk is not None
    connection = connections[router.db_for_write(type(objects[0]))]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in columns)
    # Quoted table and column names of the model only; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(pk.column))} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)

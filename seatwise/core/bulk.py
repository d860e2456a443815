"""Set-based writes the ORM has no fast form of."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def rows_update(objects: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save ``fields`` of each object (all of one model) by primary key: one prepared
    ``UPDATE … WHERE id = %s`` executed for every row (``executemany``: one round of the
    driver's batching on PostgreSQL, a loop in C on SQLite). Django's ``bulk_update`` builds a
    ``CASE`` expression of rows × fields instead, which costs seconds for a thousand rows.
    Call it inside the caller's transaction; it runs no signals and no ``auto_now``."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)  # type: ignore[union-attr]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "
        f"WHERE {quote(meta.pk.column)} = %s"  # type: ignore[union-attr]
    )
    rows = [
        [
            field.get_db_prep_save(getattr(obj, field.attname), connection)  # type: ignore[union-attr]
            for field in columns
        ]
        + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)

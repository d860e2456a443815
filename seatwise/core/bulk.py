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


# Fields whose Python values the drivers take as they are (checked per value by type), so
# that the per-value conversion is skipped for them.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def rows_insert(
    objects: Sequence[models.Model], *, returning_pk: bool = False, ignore_conflicts: bool = False
) -> None:
    """Insert new objects (all of one model) with as few multi-row ``INSERT`` statements as
    the database's parameter limit allows, like ``bulk_create`` but without its per-value
    compilation, which costs more than the database for a batch of thousands. With
    ``returning_pk`` each object gets its new primary key (``RETURNING``, in insert order, as
    ``bulk_create`` relies on too); ``ignore_conflicts`` skips rows that break a unique
    constraint (``ON CONFLICT DO NOTHING``; their objects get no key). Defaults and
    ``auto_now_add`` apply (``pre_save``); no signals. Call it inside a transaction."""
    if not objects:
        return
    if returning_pk and ignore_conflicts:
        raise ValueError("rows skipped by a conflict return no key")
    model = type(objects[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    columns = [
        field
        for field in meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]
    plain = [field.get_internal_type() in _PLAIN for field in columns]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608 - model names only
        f"({', '.join(quote(str(field.column)) for field in columns)}) VALUES "
    )
    row_sql = f"({', '.join(['%s'] * len(columns))})"
    pk = meta.pk
    assert pk is not None
    tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    if returning_pk:
        tail += f" RETURNING {quote(str(pk.column))}"
    size = max(1, connection.ops.bulk_batch_size(columns, list(objects)))
    with connection.cursor() as cursor:
        for first in range(0, len(objects), size):
            chunk = objects[first : first + size]
            params: list[Any] = []
            for obj in chunk:
                for field, is_plain in zip(columns, plain, strict=True):
                    value = field.pre_save(obj, add=True)
                    if not (is_plain and (value is None or type(value) in (str, int, bool))):
                        value = field.get_db_prep_save(value, connection)
                    params.append(value)
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
            if returning_pk:
                for obj, (new_pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    setattr(obj, pk.attname, new_pk)
                    obj._state.adding = False
                    obj._state.db = connection.alias

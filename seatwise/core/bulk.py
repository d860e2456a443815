"""Set-based writes the ORM has no fast form of."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
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
        if connection.vendor != "postgresql":
            cursor.executemany(sql, rows)
            return
        # PostgreSQL: the rows copied into a temporary table, then one UPDATE … FROM it (an
        # executemany would be one round trip per row).
        names = [quote(str(field.column)) for field in columns] + [quote(str(pk.column))]
        staged = _staging_table(cursor, meta.db_table, names)
        _copy(cursor, f"COPY {staged} ({', '.join(names)}) FROM STDIN", rows)
        assignments = ", ".join(f"{name} = s.{name}" for name in names[:-1])
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} AS t SET {assignments} "  # noqa: S608
            f"FROM {staged} AS s WHERE t.{names[-1]} = s.{names[-1]}"
        )
        cursor.execute(f"DROP TABLE {staged}")


def _copy(cursor: Any, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """``COPY … FROM STDIN`` of ``rows`` (PostgreSQL), run through Django's cursor wrappers
    like any statement: the connection's ``execute_wrapper`` hooks and, in debug, its query
    log see it."""

    def copy_rows(sql: str, params: Any, many: bool, context: Any) -> None:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    debug = getattr(cursor, "debug_sql", None)  # the debug wrapper logs the statement
    with debug(sql) if debug is not None else nullcontext():
        cursor._execute_with_wrappers(sql, None, False, copy_rows)


def _staging_table(cursor: Any, db_table: str, names: list[str]) -> str:
    """A temporary table (PostgreSQL) with the given quoted columns of ``db_table``, empty;
    dropped by the caller, or at the end of the transaction at the latest."""
    staged = f'"_staged_{db_table}"'
    cursor.execute(
        f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "  # noqa: S608 - model names only
        f'SELECT {", ".join(names)} FROM "{db_table}" WITH NO DATA'
    )
    return staged


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
    """Insert new objects (all of one model), set-based, like ``bulk_create`` but without
    its per-value compilation, which costs more than the database for a batch of thousands:

    - PostgreSQL: ``COPY … FROM STDIN``; with ``returning_pk`` the keys are taken first from
      the table's sequence (one ``nextval`` query) and copied with the rows;
    - SQLite: multi-row ``INSERT … VALUES`` statements as large as its parameter limit
      allows, with ``RETURNING`` the keys in insert order (as ``bulk_create`` relies on too);
    - ``ignore_conflicts``: ``INSERT … ON CONFLICT DO NOTHING`` (rows that break a unique
      constraint are skipped; their objects get no key, so it excludes ``returning_pk``).

    Defaults and ``auto_now_add`` apply (``pre_save``); no signals. Python values the drivers
    take as they are (str, int, bool, None in plain columns) skip the field's conversion. Call
    it inside a transaction. Table and column names come from the model; every value is a
    parameter."""
    if not objects:
        return
    if returning_pk and ignore_conflicts:
        raise ValueError("rows skipped by a conflict return no key")
    model = type(objects[0])
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    connection = connections[router.db_for_write(model)]
    copying = connection.vendor == "postgresql"
    columns = [
        field
        for field in meta.concrete_fields
        if not (
            field.primary_key
            and isinstance(field, models.AutoField | models.BigAutoField)
            and not (copying and returning_pk)
        )
    ]
    plain = [field.get_internal_type() in _PLAIN for field in columns]

    def values(obj: models.Model) -> list[Any]:
        row = []
        for field, is_plain in zip(columns, plain, strict=True):
            value = field.pre_save(obj, add=True)
            if not (is_plain and (value is None or type(value) in (str, int, bool))):
                value = field.get_db_prep_save(value, connection)
            row.append(value)
        return row

    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = ", ".join(quote(str(field.column)) for field in columns)
    with connection.cursor() as cursor:
        if copying:
            if returning_pk:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, pk.column, len(objects)],
                )
                for obj, (new_pk,) in zip(objects, cursor.fetchall(), strict=True):
                    setattr(obj, pk.attname, new_pk)
            # ``ignore_conflicts``: copied into a temporary table, then inserted from it.
            target = (
                _staging_table(cursor, meta.db_table, [quote(str(f.column)) for f in columns])
                if ignore_conflicts
                else table
            )
            _copy(cursor, f"COPY {target} ({names}) FROM STDIN", map(values, objects))
            if ignore_conflicts:
                cursor.execute(
                    f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} "  # noqa: S608
                    "ON CONFLICT DO NOTHING"
                )
                cursor.execute(f"DROP TABLE {target}")
        else:
            row_sql = f"({', '.join(['%s'] * len(columns))})"
            tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
            if returning_pk:
                tail += f" RETURNING {quote(str(pk.column))}"
            size = max(1, connection.ops.bulk_batch_size(columns, list(objects)))
            for first in range(0, len(objects), size):
                chunk = objects[first : first + size]
                cursor.execute(
                    f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 - model names only
                    + ", ".join([row_sql] * len(chunk))
                    + tail,
                    [value for obj in chunk for value in values(obj)],
                )
                if returning_pk:
                    for obj, (new_pk,) in zip(chunk, cursor.fetchall(), strict=True):
                        setattr(obj, pk.attname, new_pk)
    if returning_pk:
        for obj in objects:
            obj._state.adding = False
            obj._state.db = connection.alias

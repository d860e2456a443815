"""Set-based writes the ORM has no fast form of.

One mechanism: ``values_insert`` writes plain rows (tuples of Python values in the order of
the named fields) with the fewest statements the database allows, each value adapted for the
driver by one function chosen once per column (``_columns``) instead of the field's per-value
machinery, so that a batch of thousands costs about what the database takes. ``rows_insert``
is the same for model instances (their values read into rows), ``rows_update`` saves fields of
instances by primary key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connections, models, router

# A column of an insert or update: the types its values may have to be passed to the driver
# unchanged, what adapts a value of any other type, and whether equal values adapt alike (a
# date or a time: adapted once per distinct value of the batch).
_Column = tuple[frozenset[type], Callable[[Any], Any], bool]

# Fields whose values of exactly these types (or None) the drivers take as they are; any
# other value (a ``TextChoices`` member, a lazy string) goes through the field's conversion.
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
_NONE: type = type(None)


def _columns(connection: Any, fields: Sequence[models.Field[Any, Any]]) -> list[_Column]:
    """Per field, what its ``get_db_prep_save`` would make of a value, decided once: plain
    values and decimals as they are (both drivers take them); dates and aware times as they
    are on PostgreSQL, as ISO text (times in UTC, naive) on SQLite, as Django stores them;
    JSON dumped with the field's encoder (SQLite) or wrapped for the driver (PostgreSQL);
    anything else through the field."""
    postgresql = connection.vendor == "postgresql"
    columns: list[_Column] = []
    for field in fields:
        kind = field.get_internal_type()
        prep = partial(field.get_db_prep_save, connection=connection)
        passed: set[type] = {_NONE}
        adapt: Callable[[Any], Any] = prep
        by_value = kind in ("DateField", "DateTimeField")
        if kind in _PLAIN:
            passed |= {str, int, bool}
        elif kind == "DecimalField":
            passed.add(Decimal)
        elif kind == "DateField":
            if postgresql:
                passed.add(date)
            else:
                adapt = partial(_date_text, prep=prep)
        elif kind == "DateTimeField":
            # PostgreSQL: an aware time as it is (a naive one goes through the field).
            adapt = (
                partial(_aware, prep=prep)
                if postgresql
                else partial(_utc_text, prep=prep, zone=connection.timezone)
            )
        elif kind == "JSONField":
            encoder = getattr(field, "encoder", None)
            adapt = (
                partial(connection.ops.adapt_json_value, encoder=encoder)
                if postgresql
                else partial(_json_text, dumps=partial(json.dumps, cls=encoder))
            )
        columns.append((frozenset(passed), adapt, by_value))
    return columns


def _json_text(value: Any, *, dumps: Callable[[Any], str]) -> str:
    # An empty object or list (a new purchase's lines, an invoice without prepayments) is the
    # same text for any encoder: no encoder is run for it.
    if not value and type(value) in (dict, list):
        return "{}" if type(value) is dict else "[]"
    return dumps(value)


def _date_text(value: Any, *, prep: Callable[[Any], Any]) -> Any:
    return value.isoformat() if type(value) is date else prep(value)


def _utc_text(value: Any, *, prep: Callable[[Any], Any], zone: Any) -> Any:
    if type(value) is datetime and value.tzinfo is not None:
        return str(value.astimezone(zone).replace(tzinfo=None))
    return prep(value)


def _aware(value: Any, *, prep: Callable[[Any], Any]) -> Any:
    return value if type(value) is datetime and value.tzinfo is not None else prep(value)


def _adapted(rows: Iterable[Sequence[Any]], columns: list[_Column]) -> list[list[Any]]:
    """The rows with every value adapted for the driver, column by column: a column whose
    values all have passed types (most: checked in one pass in C) is kept as it is, a date or
    time column adapts each distinct value once, any other adapts value by value."""
    values = list(zip(*rows, strict=True))
    for index, (passed, adapt, by_value) in enumerate(columns):
        column = values[index]
        if set(map(type, column)) <= passed:
            continue
        if by_value:
            adapted = {
                value: value if type(value) in passed else adapt(value) for value in set(column)
            }
            values[index] = tuple(map(adapted.__getitem__, column))
        else:
            values[index] = tuple(
                value if type(value) in passed else adapt(value) for value in column
            )
    return [list(row) for row in zip(*values, strict=True)]


def values_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (each a sequence of Python values for ``fields``, names or attnames
    of ``model``), set-based; no defaults, signals or ``auto_now``: a row holds every value.

    - SQLite: one prepared ``INSERT`` executed for every row (``executemany``, a loop in C);
      with ``returning``, multi-row ``INSERT … VALUES … RETURNING`` statements as large as its
      parameter limit allows (rows come back in insert order, as ``bulk_create`` relies on);
    - PostgreSQL: ``COPY … FROM STDIN``; the primary key returned is taken first from the
      table's sequence (one ``nextval`` query) and copied with the rows;
    - ``ignore_conflicts``: ``INSERT … ON CONFLICT DO NOTHING`` (on PostgreSQL from a copy in
      a temporary table): rows that break a unique constraint are skipped, and ``returning``
      gives those inserted, in no particular order.

    Without ``ignore_conflicts``, ``returning`` may only name the primary key, returned in
    the order of ``rows``. Call it inside a transaction. Table and column names come from the
    model; every value is a parameter.
    """
    if not rows:
        return []
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    if returning and not ignore_conflicts and list(returning) != [pk.name]:
        raise ValueError("an insert without ignore_conflicts returns its keys only")
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    fields_of = [_field(meta, name) for name in fields]
    names = [quote(str(field.column)) for field in fields_of]
    returned = ", ".join(quote(str(_field(meta, name).column)) for name in returning)
    values = _adapted(rows, _columns(connection, fields_of))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy_insert(cursor, meta, names, values, returned, ignore_conflicts)
        tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        if not returning:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - model names only
                f"VALUES ({', '.join(['%s'] * len(names))}){tail}",
                values,
            )
            return []
        found: list[tuple[Any, ...]] = []
        row_sql = f"({', '.join(['%s'] * len(names))})"
        size = max(1, connection.ops.bulk_batch_size(fields_of, values))
        for first in range(0, len(values), size):
            chunk = values[first : first + size]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES "  # noqa: S608
                + ", ".join([row_sql] * len(chunk))
                + f"{tail} RETURNING {returned}",
                [value for row in chunk for value in row],
            )
            found.extend(tuple(row) for row in cursor.fetchall())
        return found


def _copy_insert(
    cursor: Any,
    meta: Any,
    names: list[str],
    values: list[list[Any]],
    returned: str,
    ignore_conflicts: bool,
) -> list[tuple[Any, ...]]:
    """``values_insert`` on PostgreSQL."""
    table = f'"{meta.db_table}"'
    if not ignore_conflicts:
        keys: list[tuple[Any, ...]] = []
        if returned:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(values)],
            )
            keys = [tuple(row) for row in cursor.fetchall()]
            names = [*names, f'"{meta.pk.column}"']
            for row, (key,) in zip(values, keys, strict=True):
                row.append(key)
        _copy(cursor, f"COPY {table} ({', '.join(names)}) FROM STDIN", values)
        return keys
    staged = _staging_table(cursor, meta.db_table, names)
    _copy(cursor, f"COPY {staged} ({', '.join(names)}) FROM STDIN", values)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}) "  # noqa: S608 - model names only
        f"SELECT {', '.join(names)} FROM {staged} ON CONFLICT DO NOTHING"
        + (f" RETURNING {returned}" if returned else "")
    )
    found = [tuple(row) for row in cursor.fetchall()] if returned else []
    cursor.execute(f"DROP TABLE {staged}")
    return found


def rows_insert(
    objects: Sequence[models.Model], *, returning_pk: bool = False, ignore_conflicts: bool = False
) -> None:
    """``values_insert`` of new objects (all of one model), like ``bulk_create`` without its
    per-value compilation: every concrete field but an automatic primary key, defaults and
    ``auto_now_add`` applied (``pre_save``); no signals. With ``returning_pk`` the objects get
    their keys (which ``ignore_conflicts`` excludes: a skipped row has none)."""
    if not objects:
        return
    if returning_pk and ignore_conflicts:
        raise ValueError("rows skipped by a conflict return no key")
    model = type(objects[0])
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [
        field
        for field in meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]
    keys = values_insert(
        model,
        [field.attname for field in fields],
        [[field.pre_save(obj, add=True) for field in fields] for obj in objects],
        returning=[pk.name] if returning_pk else [],
        ignore_conflicts=ignore_conflicts,
    )
    if returning_pk:
        alias = router.db_for_write(model)
        for obj, (key,) in zip(objects, keys, strict=True):
            setattr(obj, pk.attname, key)
            obj._state.adding = False
            obj._state.db = alias


def rows_update(objects: Sequence[models.Model], fields: Sequence[str]) -> None:
    """Save ``fields`` of each object (all of one model) by primary key: one prepared
    ``UPDATE … WHERE id = %s`` executed for every row (``executemany``, a loop in C) on
    SQLite; on PostgreSQL the rows copied into a temporary table and one ``UPDATE … FROM`` it
    (an executemany would be a round trip per row). Django's ``bulk_update`` builds a ``CASE``
    expression of rows × fields instead, which costs seconds for a thousand rows. Call it
    inside the caller's transaction; it runs no signals and no ``auto_now``."""
    if not objects:
        return
    meta = type(objects[0])._meta
    fields_of = [_field(meta, name) for name in fields]
    pk = meta.pk
    assert pk is not None
    connection = connections[router.db_for_write(type(objects[0]))]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = [quote(str(field.column)) for field in fields_of] + [quote(str(pk.column))]
    rows = _adapted(
        ([*(getattr(obj, field.attname) for field in fields_of), obj.pk] for obj in objects),
        [*_columns(connection, fields_of), (frozenset({int}), int, False)],
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{name} = %s" for name in names[:-1])
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {names[-1]} = %s",  # noqa: S608
                rows,
            )
            return
        staged = _staging_table(cursor, meta.db_table, names)
        _copy(cursor, f"COPY {staged} ({', '.join(names)}) FROM STDIN", rows)
        assignments = ", ".join(f"{name} = s.{name}" for name in names[:-1])
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} "  # noqa: S608
            f"FROM {staged} AS s WHERE t.{names[-1]} = s.{names[-1]}"
        )
        cursor.execute(f"DROP TABLE {staged}")


def _field(meta: Any, name: str) -> models.Field[Any, Any]:
    field = meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


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

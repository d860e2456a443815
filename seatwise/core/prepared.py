"""Queries compiled to SQL once per process, then run with new values.

Django turns a QuerySet into SQL every time it is evaluated: resolving the lookups, the
select list of ``select_related``, the joins and the ordering costs 0.2–0.5 ms of Python per
query, several times what SQLite or PostgreSQL then take to answer it. The queries every portal
page runs (the signed-in person, the account's subscriptions, its invoices) have a fixed shape;
only their values change (whose, after which row). ``prepared(build)`` compiles the QuerySet
that ``build`` returns once per database, with *marker* values standing for its parameters,
remembers the SQL and where each marker landed among the parameters, and from then on runs
that SQL with the real values, through Django's cursor (its execute wrappers, the tests' query
log). The rows become model instances as Django's ``ModelIterable`` makes them
(``select_related`` objects, annotations and converters included), so a prepared query returns
exactly what the QuerySet would have; what the iterator works out per evaluation (the columns'
converters, the fields of each row, the related objects' populators) is worked out once too
(Django does that per evaluation: 50–100 µs of a query's 150–190; and its iterator's own
machinery, about 30 µs more). A query whose instances keep state of their run (peers to fetch
together, a related manager's known objects) runs through Django's iterator.

What ``build`` may do: take ``int`` and ``str`` positional parameters, each used as a lookup
value (``filter(account_id=account_id)``, ``pk__lt=before``), and keyword parameters that
choose the query's *shape* (a page size, whether a filter applies: each shape is compiled once,
so their values must be few), and return a QuerySet of model instances (no ``values()``, no
``prefetch_related``: ``django.db.models.prefetch_related_objects`` does that on the list).
Everything else in it is fixed at the first compilation: it must not read the clock, the
request, a setting that changes, or the database. The tests compare prepared queries with
their QuerySets (tests/core/test_prepared.py, and the selectors' own tests).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    _get_from_db,
    get_related_populators,
)
from django.db.models.signals import post_init, pre_init
from django.db.models.sql.compiler import SQLCompiler

# Values that stand for the parameters at compilation: within the range of a 32-bit integer
# column (Django treats an out-of-range integer lookup as matching nothing) and unlike any
# value a query holds of its own.
_INT_MARKER = 1_987_654_300
_STR_MARKER = "\ue000seatwise-prepared-{}\ue000"
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True, slots=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    # For each parameter of ``build``: its positions in ``params``.
    positions: tuple[tuple[int, ...], ...]
    queryset: QuerySet[Any]
    # What turns each selected column's value into its field's Python value.
    converters: dict[int, Any]
    # What ``ModelIterable`` works out from the compiler before its first row, worked out once
    # (``_rows``); None where the query needs Django's own iterator.
    rows: _Rows | None


@dataclass(frozen=True, slots=True)
class _Rows:
    from_db: Callable[..., Any]  # the model's from_db, with the query's fetch mode
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]
    annotations: dict[str, int]


class _Run:
    """What ``ModelIterable`` reads of a QuerySet, for one run of the compiled SQL."""

    __slots__ = ("_compiler", "_fetch_mode", "_known_related_objects", "db", "model", "query")

    def __init__(self, compiled: _Compiled, compiler: SQLCompiler) -> None:
        queryset = compiled.queryset
        self.db = queryset.db
        self.model = queryset.model
        self._fetch_mode = queryset._fetch_mode  # type: ignore[attr-defined]
        self._known_related_objects: dict[Any, Any] = {}
        self._compiler = compiler
        self.query = self

    def get_compiler(self, using: str | None = None, **_kwargs: Any) -> SQLCompiler:
        return self._compiler


class Prepared[M: Model]:
    """A query compiled once per database (see the module docstring); call it with the values
    of ``build``'s parameters for the list of model instances."""

    def __init__(self, build: Callable[..., QuerySet[M]]) -> None:
        # The QuerySet itself, also for another query built on it.
        self.build = build
        self._compiled: dict[tuple[Hashable, ...], _Compiled] = {}
        self.__doc__ = build.__doc__

    def _compile(self, alias: str, types: tuple[type, ...], shape: dict[str, Any]) -> _Compiled:
        markers = [
            _INT_MARKER + n if kind is int else _STR_MARKER.format(n)
            for n, kind in enumerate(types)
        ]
        queryset = self.build(*markers, **shape).using(alias)
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise TypeError("a prepared query returns model instances, without prefetching")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = tuple(
            tuple(i for i, value in enumerate(params) if value == marker and type(value) is kind)
            for marker, kind in zip(markers, types, strict=True)
        )
        if any(not found for found in positions):
            raise TypeError("every parameter of a prepared query must be a lookup value")
        converters = compiler.get_converters(
            [column[0] for column in compiler.select[0 : compiler.col_count]]
        )
        return _Compiled(
            compiler, sql, tuple(params), positions, queryset, converters, _rows(queryset, compiler)
        )

    def __call__(
        self, *values: int | str, using: str = DEFAULT_DB_ALIAS, **shape: Hashable
    ) -> list[M]:
        types = tuple(type(value) for value in values)
        if not all(kind is int or kind is str for kind in types):
            raise TypeError("the values of a prepared query are int or str")
        if any(isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX for value in values):
            # Beyond a 32-bit column's range Django decides what the lookup means (nothing is
            # greater than the largest value): the QuerySet itself, compiled as usual.
            return list(self.build(*values, **shape).using(using))
        connection = connections[using]
        key = (using, connection.vendor, types, tuple(sorted(shape.items())))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using, types, shape)
        params = list(compiled.params)
        for value, positions in zip(values, compiled.positions, strict=True):
            for position in positions:
                params[position] = value
        sql = compiled.sql
        if compiled.rows is not None:
            return _instances(compiled.rows, connection, sql, params, compiled.converters)
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        compiler.as_sql = lambda *_args, **_kwargs: (sql, params)  # type: ignore[method-assign,assignment]
        converters = compiled.converters
        compiler.get_converters = lambda _expressions: converters  # type: ignore[method-assign,assignment]
        return list(ModelIterable(_Run(compiled, compiler)))  # type: ignore[arg-type]


def _plain(model: type[Model]) -> bool:
    """Whether ``Model.__init__`` does nothing for ``model``'s loaded values but store them: no
    ``__init__`` or ``from_db`` of its own, and no field whose attribute does more on assignment
    than a foreign key's (which forgets a cached related object; a new instance has none)."""
    if model.__init__ is not Model.__init__:
        return False
    if model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined]
        return False
    for field in model._meta.concrete_fields:
        descriptor = getattr(model, field.attname, None)
        if hasattr(type(descriptor), "__set__") and type(descriptor) is not (
            ForeignKeyDeferredAttribute
        ):
            return False
    return True


def _from_db(model: type[Model], fetch_mode: Any) -> Callable[..., Any]:
    """``model.from_db`` with the query's fetch mode, as ``ModelIterable`` calls it; for a plain
    model (``_plain``), the same instance built without ``Model.__init__``, which assigns each
    value through ``setattr`` and sends ``pre_init`` and ``post_init`` (4–6 µs an instance,
    three times the rest). While any receiver listens to either signal, Django's is used."""
    django_from_db: Callable[..., Any] = _get_from_db(model, fetch_mode)
    if not _plain(model):
        return django_from_db
    new = model.__new__

    def from_db(db: str, field_names: list[str], values: Any) -> Any:
        if pre_init.receivers or post_init.receivers:
            return django_from_db(db, field_names, values)
        instance = new(model)
        state = instance._state = ModelState()
        state.adding = False
        state.db = db
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        instance.__dict__.update(zip(field_names, values, strict=True))
        return instance

    return from_db


def _fast_populators(populators: list[Any], fetch_mode: Any) -> list[Any]:
    """Django's related populators (``select_related``), each building its instances with
    ``_from_db``."""
    for populator in populators:
        populator.from_db = _from_db(populator.model_cls, fetch_mode)
        _fast_populators(populator.related_populators, fetch_mode)
    return populators


def _rows(queryset: QuerySet[Any], compiler: SQLCompiler) -> _Rows | None:
    """What ``ModelIterable.__iter__`` derives from the compiled query before reading a row,
    for a query it would read without state of its own: no peers to track (the default fetch
    mode), no known related objects (a related manager's), no composite columns."""
    if (
        queryset._fetch_mode.track_peers  # type: ignore[attr-defined]
        or queryset._known_related_objects  # type: ignore[attr-defined]
        or compiler.has_composite_fields(
            [column[0] for column in compiler.select[0 : compiler.col_count]]
        )
    ):
        return None
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    fetch_mode = queryset._fetch_mode  # type: ignore[attr-defined]
    return _Rows(
        from_db=_from_db(klass_info["model"], fetch_mode),
        init_list=[column[0].target.attname for column in select[start:end]],
        start=start,
        end=end,
        populators=_fast_populators(
            get_related_populators(klass_info, select, queryset.db, fetch_mode), fetch_mode
        ),
        annotations=dict(compiler.annotation_col_map or {}),
    )


def _instances(
    rows: _Rows, connection: Any, sql: str, params: list[Any], converters: dict[int, Any]
) -> list[Any]:
    """``ModelIterable``'s loop over the rows of ``sql``, with what it derives per run derived
    once (``_rows``); the statement runs through Django's cursor (its execute wrappers, the
    query log of the tests)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    conversions = list(converters.items())
    db, from_db, init_list = connection.alias, rows.from_db, rows.init_list
    start, end = rows.start, rows.end
    instances = []
    for values in fetched:
        if conversions:
            values = list(values)
            for position, (functions, expression) in conversions:
                value = values[position]
                for function in functions:
                    value = function(value, expression, connection)
                values[position] = value
        instance = from_db(db, init_list, values[start:end])
        for populator in rows.populators:
            populator.populate(values, instance)
        for name, position in rows.annotations.items():
            setattr(instance, name, values[position])
        instances.append(instance)
    return instances


def prepared[M: Model](build: Callable[..., QuerySet[M]]) -> Prepared[M]:
    """Decorator: ``build``'s QuerySet as a prepared query (see the module docstring)."""
    return Prepared(build)

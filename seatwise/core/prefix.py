"""Case-insensitive prefix search served by an index, the same on SQLite and PostgreSQL.

Why not Django's ``istartswith``: on SQLite it is ``col LIKE 'p%' ESCAPE '\\'``, which uses an
index only on a column declared ``COLLATE NOCASE``; on PostgreSQL it is
``UPPER(col::text) LIKE UPPER('p%')``, which no index on the column serves (and a ``LIKE`` uses
a btree only under the C collation or with a ``text_pattern_ops`` index). At a million rows
each is a full scan per keystroke.

**The mechanism.** The *prefix key* of one or more text columns is their lower-cased text
(several columns joined by one space, so that "first last" is one string):

=============  ==========================================  ==================================
               one column                                  two columns
=============  ==========================================  ==================================
SQLite         ``LOWER(name)``                             ``LOWER(first || ' ' || last)``
PostgreSQL     ``(LOWER(name) COLLATE "C")``               ``(LOWER(first || ' ' || last)
                                                           COLLATE "C")``
=============  ==========================================  ==================================

A text *p* is a prefix of the key when ``key >= LOWER(p) AND key < LOWER(p || U+10FFFF)``:
a range, which a btree index on the key serves, and whose rows the same index returns in key
order, so ``ORDER BY key, id LIMIT n`` stops after *n* index entries (``prefix_index`` is on
``(key, id)``). The range is exact because both engines compare these keys by code point:
SQLite's default BINARY collation compares UTF-8 bytes, which order like code points, and on
PostgreSQL ``COLLATE "C"`` does the same whatever the database's collation (under a
linguistic collation such as ``en_US`` a range is not "starts with", and ``ORDER BY`` with a
``text_pattern_ops`` index would need ``USING ~<~``, which the ORM cannot say). The one value
the range misses is a key holding U+10FFFF, a Unicode noncharacter, right after the prefix.
``%``, ``_`` and ``\\`` have no special meaning in a range: they match themselves.

**Case folding is the database's own ``LOWER``, on both sides** (the stored key and the typed
prefix), so the index and the query always agree:

- SQLite's built-in ``LOWER`` folds ASCII letters only: "ACME" is found by "acme", but
  "MÜLLER" only by "MÜ…" or "mÜ…", "Müller" only by "Mü…" or "mü…", and "Ñandú" only by
  "Ñ…", never by "ñ…": other letters match as typed. (A SQLite built with the ICU extension
  folds all of Unicode; its indexes would disagree with ones built without it.)
- PostgreSQL's ``LOWER`` follows the database's ``LC_CTYPE`` (the ``COLLATE "C"`` applies to
  its result, for the comparison, not to the case mapping): with a UTF-8 ctype (``C.UTF-8``,
  ``en_US.UTF-8``; the test cluster and a normal install) it lower-cases every letter one by
  one, so "MÜLLER", "Müller" and "müller" are all found by "mü" or "MÜ", "Ñandú" by "ñ";
  there is no full case folding ("ß" is not "ss"). With ``LC_CTYPE=C`` only ASCII folds, as on
  SQLite.

**Use.** ``prefix_index`` declares the index (in a model's ``Meta.indexes``, so that
migrations track it and SQLite's table rebuilds recreate it); ``CreatePrefixIndex`` creates
the same index from a migration for a model whose ``Meta`` belongs to another app;
``prefix_filter`` is the query. Migrations import this module: the SQL of ``PrefixKey`` is
part of every index created with it, so it never changes; a different key is a new class with
new index names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db import NotSupportedError, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState, StateApps
from django.db.models.expressions import Combinable
from django.db.models.lookups import Lookup
from django.db.models.sql.compiler import SQLCompiler

# The highest code point: every text that starts with p sorts below p + MAX_CODE_POINT.
MAX_CODE_POINT = "\U0010ffff"
# Joins the columns of a many-column key; a literal in the SQL, never a parameter: an index
# expression matches a query expression only when both hold the same literal.
SEPARATOR_SQL = "' '"

_SqlParams = tuple[str, tuple[Any, ...]]


def prefix_key_sql(columns: Sequence[str], vendor: str) -> str:
    """The SQL of the prefix key of ``columns`` (already quoted) on ``vendor``."""
    if not columns:
        raise ValueError("a prefix key needs at least one column")
    folded = f"LOWER({f' || {SEPARATOR_SQL} || '.join(columns)})"
    if vendor == "sqlite":
        return folded
    if vendor == "postgresql":
        return f'({folded} COLLATE "C")'
    raise NotSupportedError(f"prefix search is implemented for SQLite and PostgreSQL, not {vendor}")


class PrefixKey(models.Func):
    """The prefix key of text columns: order by it, filter it with ``prefix_filter``."""

    output_field = models.CharField()

    def __init__(self, *fields: str | Combinable) -> None:
        if not fields:
            raise ValueError("a prefix key needs at least one column")
        super().__init__(*fields)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> _SqlParams:
        columns: list[str] = []
        params: list[Any] = []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            columns.append(sql)
            params.extend(expression_params)
        return prefix_key_sql(columns, connection.vendor), tuple(params)


class _KeyLookup(Lookup):
    """A comparison of a ``PrefixKey`` with a text the database lower-cases itself."""

    prepare_rhs = False

    def __init__(self, lhs: PrefixKey, rhs: str) -> None:
        if not isinstance(lhs, PrefixKey):
            raise TypeError("compare a PrefixKey: only its collation makes a range a prefix")
        if not isinstance(rhs, str):
            raise TypeError("the text to compare is a str")
        super().__init__(lhs, rhs)

    @property
    def output_field(self) -> models.BooleanField[bool, bool]:
        return models.BooleanField()


class StartsWith(_KeyLookup):
    """``key`` starts with ``text``, case-insensitively as the module docstring says."""

    lookup_name = "prefix_startswith"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _SqlParams:
        key, key_params = compiler.compile(self.lhs)
        sql = f"{key} >= LOWER(%s) AND {key} < LOWER(%s)"
        return sql, (*key_params, self.rhs, *key_params, self.rhs + MAX_CODE_POINT)


class Equals(_KeyLookup):
    """``key`` is ``text``, case-insensitively: the exact match among the prefix matches."""

    lookup_name = "prefix_equals"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> _SqlParams:
        key, key_params = compiler.compile(self.lhs)
        return f"{key} = LOWER(%s)", (*key_params, self.rhs)


def prefix_filter[M: models.Model](
    qs: models.QuerySet[M], *fields: str, text: str, limit: int
) -> models.QuerySet[M]:
    """The first ``limit`` rows of ``qs`` whose prefix key of ``fields`` starts with ``text``.

    In key order, then by id: the order of ``prefix_index(*fields)``, which serves the whole
    query as one index range scan that stops after ``limit`` entries. Each row is annotated
    with ``prefix_exact``: its key equals ``text`` (case-insensitively).
    """
    matching = qs.filter(StartsWith(PrefixKey(*fields), text)).annotate(
        prefix_exact=Equals(PrefixKey(*fields), text)
    )
    return cast("models.QuerySet[M]", matching.order_by(PrefixKey(*fields), "pk")[:limit])


def prefix_index(*fields: str, name: str) -> models.Index:
    """The index that serves ``prefix_filter(qs, *fields, ...)``: on ``(key, id)``."""
    return models.Index(PrefixKey(*fields), "id", name=name)


class CreatePrefixIndex(Operation):
    """Create ``prefix_index(*fields, name=name)`` on a model without touching the migration
    state: for a model whose ``Meta`` belongs to another app (``support.Case``).

    Because the state does not know the index, SQLite's table rebuild (Django remakes a
    SQLite table for most ``AlterField``/``AddConstraint`` operations) does not recreate it:
    a later migration that rebuilds the table must run this operation again.
    ``tests/core/test_prefix.py`` checks that every prefix index exists after ``migrate``.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, *, model_name: str, fields: Sequence[str], name: str) -> None:
        self.model_name = model_name
        self.fields = tuple(fields)
        self.name = name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"model_name": self.model_name, "fields": list(self.fields), "name": self.name}
        return self.__class__.__name__, [], kwargs

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing: the index lives outside the state (see the class docstring)."""

    def _index_and_model(self, app_label: str, apps: StateApps) -> tuple[models.Index, Any]:
        return prefix_index(*self.fields, name=self.name), apps.get_model(
            app_label, self.model_name
        )

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        index, model = self._index_and_model(app_label, to_state.apps)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, index)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        index, model = self._index_and_model(app_label, from_state.apps)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, index)

    def describe(self) -> str:
        return f"Create prefix index {self.name} on {self.model_name} ({', '.join(self.fields)})"

    @property
    def migration_name_fragment(self) -> str:
        return self.name.lower()

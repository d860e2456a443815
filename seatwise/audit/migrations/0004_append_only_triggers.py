"""The database itself refuses to change or delete an audit entry.

- ``UPDATE`` of ``audit_auditentry`` is always refused.
- ``DELETE`` (and, on PostgreSQL, ``TRUNCATE``) is refused unless the deleting transaction
  holds a row of ``audit_purge_permit``, which only ``seatwise.audit.purge`` writes, and
  deletes again before the transaction ends: a whole account's trail goes with the account
  (the demo wipe), and the test suite empties every table between transactional tests. A
  permit is a row no other transaction sees (PostgreSQL: not committed; SQLite: writers take
  turns), so it opens nothing for anyone else.

Both refusals are integrity errors (SQLite ``RAISE(ABORT)``, PostgreSQL SQLSTATE 23000), so
Django raises ``IntegrityError`` on either database.

On SQLite, a later migration that rebuilds this table (Django's way to alter a column there)
drops its triggers: such a migration must create them again (``tests/audit/test_append_only``
fails otherwise). The SQL is written out here, not imported from the app: a migration must
keep working as the app changes.
"""

from django.db import migrations

PERMIT_CREATE = (
    "CREATE TABLE IF NOT EXISTS audit_purge_permit (token varchar(32) NOT NULL PRIMARY KEY)"
)
PERMIT_DROP = "DROP TABLE IF EXISTS audit_purge_permit"

SQLITE_CREATE = (
    PERMIT_CREATE,
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry "
    "WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit) "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
    PERMIT_DROP,
)

POSTGRESQL_CREATE = (
    PERMIT_CREATE,
    """
    CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE') AND EXISTS (SELECT 1 FROM audit_purge_permit) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry",
    "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change()",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_change()",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_entry_refuse_change()",
    PERMIT_DROP,
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}.get(vendor, ())
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}.get(vendor, ())
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_append_only_client_time_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]

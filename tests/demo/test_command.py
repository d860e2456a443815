from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from seatwise.accounts.models import Account, Person
from seatwise.demo.data import DEMO_PASSWORD, DEMO_SIGN_INS
from seatwise.demo.docs import sign_ins_markdown
from tests.factories import make_account

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "demo.md"


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def test_loads_and_prints_every_sign_in():
    output = run()

    assert Account.objects.count() == 7
    assert "Loaded 7 demo accounts and 21 people." in output
    assert f"Password for every sign-in: {DEMO_PASSWORD}" in output
    for sign_in in DEMO_SIGN_INS:
        assert sign_in.login in output


def test_a_second_plain_load_is_refused_and_changes_nothing():
    run()
    ids = sorted(Account.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError, match="--reset"):
        run()

    assert sorted(Account.objects.values_list("pk", flat=True)) == ids


def test_if_empty_loads_into_an_empty_database_then_keeps_the_data():
    run("--if-empty")
    ids = sorted(Account.objects.values_list("pk", flat=True))
    people = sorted(Person.objects.values_list("pk", flat=True))

    output = run("--if-empty")

    assert output == "Accounts exist already: demo data not loaded.\n"
    assert sorted(Account.objects.values_list("pk", flat=True)) == ids
    assert sorted(Person.objects.values_list("pk", flat=True)) == people


def test_if_empty_loads_nothing_when_any_account_exists():
    make_account(name="Operator's own customer")

    run("--if-empty")

    assert list(Account.objects.values_list("name", flat=True)) == ["Operator's own customer"]


def test_reset_runs_twice_and_reloads():
    run("--reset")
    first_ids = set(Account.objects.values_list("pk", flat=True))

    run("--reset")

    assert Account.objects.count() == 7
    assert first_ids.isdisjoint(Account.objects.values_list("pk", flat=True))


def test_reset_and_if_empty_exclude_each_other():
    with pytest.raises(CommandError):
        run("--reset", "--if-empty")

    assert not Account.objects.exists()


def test_markdown_prints_the_table_and_loads_nothing():
    assert run("--markdown") == sign_ins_markdown()
    assert not Account.objects.exists()


def test_docs_list_every_demo_sign_in():
    """docs/demo.md holds the generated table; regenerate with ``load_demo --markdown``."""
    text = DOCS.read_text(encoding="utf-8")

    assert sign_ins_markdown() in text
    assert f"`{DEMO_PASSWORD}`" in text


def test_readme_lists_every_demo_sign_in():
    """The README lists every demo sign-in; regenerate with ``load_demo --markdown``."""
    text = (DOCS.parent.parent / "README.md").read_text(encoding="utf-8")

    assert sign_ins_markdown() in text
    assert f"`{DEMO_PASSWORD}`" in text


def test_docs_list_every_demo_case():
    """docs/demo.md holds the generated table of the support console's demo cases."""
    from seatwise.demo.docs import cases_markdown

    text = DOCS.read_text(encoding="utf-8")

    assert cases_markdown() in text
    assert "SEATWISEDEMOAGENTHELENPORTERXYZA" in text

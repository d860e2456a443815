"""core.prepared: a query compiled once returns what its QuerySet returns, for every value, on
both databases."""

from __future__ import annotations

from datetime import UTC, date

import pytest
from django.db.models import FETCH_ONE, FETCH_PEERS, F, QuerySet
from django.db.models.signals import post_init

from seatwise.accounts.models import Person
from seatwise.core.prepared import prepared
from seatwise.subscriptions.models import LIVE_STATUSES, Subscription
from tests.factories import make_account, make_person, make_subscription

pytestmark = pytest.mark.django_db


def _live(account_id: int) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(account_id=account_id, status__in=LIVE_STATUSES)
        .select_related("product", "plan")
        .order_by("pk")
    )


live = prepared(_live)


@prepared
def people_after(account_id: int, *after: int, limit: int) -> QuerySet[Person]:
    qs = Person.objects.filter(account_id=account_id)
    if after:
        qs = qs.filter(pk__gt=after[0])
    return qs.order_by("pk")[:limit]


@prepared
def by_email(email: str) -> QuerySet[Person]:
    return Person.objects.filter(email=email)


def test_each_value_gets_its_own_rows_with_their_related_objects(
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    first, second = make_account(), make_account()
    mine = [make_subscription(first, plan_code=code) for code in ("goto-meeting-standard-monthly",)]
    theirs = make_subscription(second, seats=7)
    for account, expected in ((first, mine), (second, [theirs]), (first, mine)):
        with django_assert_num_queries(1):
            rows = live(account.pk)
            # select_related: product and plan came with the row.
            names = [(s.product.name, s.plan.code, s.seats) for s in rows]
        assert [s.pk for s in rows] == [s.pk for s in expected]
        assert names == [(s.product.name, s.plan.code, s.seats) for s in _live(account.pk)]
    assert live(10**9) == []


def test_shapes_are_compiled_apart() -> None:
    account = make_account()
    for _ in range(3):
        make_person(account)
    everyone = list(Person.objects.filter(account=account).order_by("pk"))
    assert len(everyone) == 4  # the billing contact and three more
    assert people_after(account.pk, limit=10) == everyone
    assert people_after(account.pk, limit=2) == everyone[:2]
    assert people_after(account.pk, everyone[0].pk, limit=10) == everyone[1:]
    assert people_after(account.pk, everyone[1].pk, limit=1) == everyone[2:3]


def test_strings_are_parameters_too() -> None:
    account = make_account()
    person = make_person(account)
    assert by_email(person.email) == [person]
    assert by_email("nobody@example.com") == []
    # A value that looks like SQL is a value.
    assert by_email("x' OR '1'='1") == []


def test_values_other_than_int_or_str_are_refused() -> None:
    with pytest.raises(TypeError):
        live(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        live(None)  # type: ignore[arg-type]


def test_a_parameter_that_is_not_a_lookup_value_is_refused() -> None:
    @prepared
    def ignores_its_parameter(account_id: int) -> QuerySet[Person]:
        return Person.objects.all()

    with pytest.raises(TypeError):
        ignores_its_parameter(1)


def test_values_querysets_are_refused() -> None:
    @prepared
    def values(account_id: int) -> QuerySet[Person]:
        return Person.objects.filter(account_id=account_id).values("pk")  # type: ignore[return-value]

    with pytest.raises(TypeError):
        values(1)


def test_integers_beyond_a_column_mean_what_django_says() -> None:
    account = make_account()
    everyone = list(Person.objects.filter(account=account).order_by("pk"))
    # Nothing is after an id no column holds; the page from the start is everyone.
    assert people_after(account.pk, 2**63 + 5, limit=10) == []
    assert people_after(account.pk, 2**40, limit=10) == []
    assert people_after(account.pk, -(2**63) - 5, limit=10) == everyone


def _state(instance: object) -> dict[str, object]:
    """An instance's loaded values, and those of the related objects that came with it."""
    values = {
        name: value
        for name, value in vars(instance).items()
        if name != "_state" and not name.startswith("_prefetched")
    }
    cached = instance._state.fields_cache  # type: ignore[attr-defined]
    values["related"] = {name: _state(related) for name, related in cached.items() if related}
    values["db"] = instance._state.db  # type: ignore[attr-defined]
    values["adding"] = instance._state.adding  # type: ignore[attr-defined]
    return values


def _annotated(account_id: int) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(account_id=account_id)
        .select_related("account", "plan__product")
        .annotate(doubled=F("seats") * 2)
        .only(
            "seats",
            "term_start",
            "created_at",
            "term_unit_amount",
            "account__name",
            "account__created_at",
            "plan__code",
            "plan__product",
        )
        .order_by("-pk")
    )


annotated = prepared(_annotated)


def test_instances_are_those_of_the_queryset_converters_annotations_and_deferred_fields() -> None:
    account = make_account()
    make_subscription(account, seats=3)
    make_subscription(account, seats=11, plan_code="goto-webinar-standard-monthly")

    rows = annotated(account.pk)

    assert [_state(row) for row in rows] == [_state(row) for row in _annotated(account.pk)]
    assert [(row.seats, row.doubled) for row in rows] == [(11, 22), (3, 6)]  # type: ignore[attr-defined]
    # the values converted (an aware time, a Decimal), the deferred fields left for later
    assert all(type(row.term_start) is date for row in rows)
    assert all(row.created_at.tzinfo is UTC for row in rows)
    assert all(row.account.created_at.tzinfo is UTC for row in rows)
    assert "status" not in vars(rows[0])


@prepared
def peers_of(account_id: int) -> QuerySet[Person]:
    return Person.objects.filter(account_id=account_id).fetch_mode(FETCH_PEERS).order_by("pk")


def test_a_query_that_tracks_peers_runs_through_djangos_iterator(
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    account = make_account()
    for _ in range(3):
        make_person(account)

    people = peers_of(account.pk)

    assert [p.pk for p in people] == [p.pk for p in Person.objects.filter(account=account)]
    # the peers fetched together: one query for every person's account
    with django_assert_num_queries(1):
        assert {p.account.pk for p in people} == {account.pk}


def test_instances_are_built_without_init_yet_signal_listeners_are_served() -> None:
    account = make_account()
    make_subscription(account, seats=4)
    expected = [_state(row) for row in _annotated(account.pk)]
    initialised: list[str] = []

    def listener(sender: type, instance: object, **kwargs: object) -> None:
        initialised.append(sender.__name__)

    # Built without Model.__init__: no signal, the same instances as the QuerySet's.
    assert [_state(row) for row in annotated(account.pk)] == expected
    assert all(row._state.fetch_mode is FETCH_ONE for row in annotated(account.pk))
    post_init.connect(listener)
    try:
        rows = annotated(account.pk)
    finally:
        post_init.disconnect(listener)

    # With a listener, through Django's own from_db: every instance announced, related ones too.
    assert [_state(row) for row in rows] == expected
    assert sorted(initialised) == ["Account", "Plan", "Product", "Subscription"]

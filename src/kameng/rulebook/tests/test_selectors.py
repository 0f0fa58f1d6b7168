from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import translation

from kameng.core.errors import DomainError
from kameng.rulebook import defaults, selectors, services
from kameng.rulebook.models import RulebookClause, RulebookVersion
from kameng.rulebook.params import PARAMS, show_value
from kameng.rulebook.problems import SUBTYPES
from tests.helpers import run_threads

pytestmark = pytest.mark.django_db


def test_current_installs_the_defaults_once():
    first = selectors.current()
    again = selectors.current()
    assert first.number == again.number == 1
    assert RulebookVersion.objects.count() == 1
    assert RulebookClause.objects.count() == len(defaults.CLAUSES)
    assert first.params == {p.name: p.default for p in PARAMS}
    assert first.published_by is None


def test_every_default_clause_is_complete_and_uses_real_parameters():
    codes = [c["code"] for c in defaults.CLAUSES]
    assert len(codes) == len(set(codes))
    assert defaults.REQUIRED <= set(codes)
    for clause in defaults.CLAUSES:
        for field in ("title_zh", "title_en", "body_zh", "body_en"):
            assert clause[field].strip(), (clause["code"], field)
            assert services.bad_placeholder(clause[field]) is None, (clause["code"], field)
    # every parameter is explained by the clause it names, in both languages
    for spec in PARAMS:
        clause = next(c for c in defaults.CLAUSES if c["code"] == spec.clause)
        assert f"{{{spec.name}}}" in clause["body_zh"] and f"{{{spec.name}}}" in clause["body_en"], spec.name


def test_the_taxonomy_cites_existing_clauses():
    codes = {c["code"] for c in defaults.CLAUSES}
    assert {s.clause for s in SUBTYPES.values()} <= codes


def test_clauses_are_in_numeric_order_and_substituted():
    rulebook = selectors.current()
    codes = [c.code for c in rulebook.clauses]
    assert codes == sorted(codes, key=lambda c: tuple(map(int, c.split("."))))
    clause = rulebook.clause("3.1")
    assert "{merchant_answer_hours}" in clause.body_zh  # raw text keeps the placeholder
    with translation.override("zh-hans"):
        assert "24 小时" in clause.body and clause.title == "商家答复期限"
    with translation.override("en"):
        assert "within 24 hours" in clause.body and clause.title == "The merchant's deadline"


def test_money_and_sizes_are_shown_for_readers():
    rulebook = selectors.current()
    with translation.override("en"):
        assert "¥500.00" in rulebook.clause("4.5").body
        assert "¥100.00" in rulebook.clause("8.3").body
        assert "5 MB" in rulebook.clause("2.4").body and "20 MB" in rulebook.clause("2.4").body


def test_unknown_clause_is_a_domain_error():
    with pytest.raises(DomainError) as exc:
        selectors.current().clause("3.99")
    assert exc.value.code == "rulebook.unknown_clause" and exc.value.status == 404


def test_cite_names_version_clause_and_chinese_title():
    with translation.override("en"):
        assert selectors.current().cite("3.6") == {"rulebook": 1, "clause": "3.6", "title": "商家逾期自动升级"}
    with pytest.raises(DomainError):
        selectors.current().cite("0.1")


def test_order_numbers_are_shown_in_their_clauses():
    rulebook = selectors.current()
    with translation.override("zh-hans"):
        assert "15 分钟内付款" in rulebook.clause("8.6").body and "发货 72 小时后" in rulebook.clause("8.6").body
        assert "3% 收取佣金" in rulebook.clause("8.7").body
        assert "超过 ¥500.00 的分批到账" in rulebook.clause("8.8").body
        assert "不少于 ¥1.00" in rulebook.clause("8.9").body
    with translation.override("en"):
        assert "within 15 minutes" in rulebook.clause("8.6").body and "72 hours after" in rulebook.clause("8.6").body
        assert "commission of 3% of the amount" in rulebook.clause("8.7").body


@pytest.mark.parametrize(
    "bps, shown", [(300, "3%"), (250, "2.5%"), (125, "1.25%"), (5, "0.05%"), (0, "0%"), (3000, "30%"), (1010, "10.1%")]
)
def test_rates_are_shown_as_percentages(bps, shown):
    assert show_value("bps", bps) == shown


def test_hours_gives_durations():
    rulebook = selectors.current()
    assert rulebook.hours("payment_window_minutes") == timedelta(minutes=15)
    assert rulebook.hours("merchant_answer_hours") == timedelta(hours=24)
    assert rulebook.hours("merchant_unreachable_days") == timedelta(days=3)
    with pytest.raises(ValueError):
        rulebook.hours("penalty_max_fen")


def test_params_cannot_be_changed_by_a_caller():
    rulebook = selectors.current()
    with pytest.raises(TypeError):
        rulebook.params["merchant_answer_hours"] = 1
    with pytest.raises(TypeError):
        rulebook.params.update(merchant_answer_hours=1)
    copy = dict(rulebook.params)
    copy["merchant_answer_hours"] = 1  # a copy is the caller's own
    assert selectors.current().params["merchant_answer_hours"] == 24


def test_version_by_id_and_number(operator):
    v1 = selectors.current()
    v2 = services.publish_version(operator=operator, params={"merchant_answer_hours": 12}, clauses=None, note="x")
    assert selectors.version(v1.id).params["merchant_answer_hours"] == 24
    assert selectors.version(v2.id).params["merchant_answer_hours"] == 12
    assert selectors.version_by_number(2).id == v2.id
    assert selectors.current().id == v2.id
    for missing in (lambda: selectors.version(10**9), lambda: selectors.version_by_number(99)):
        with pytest.raises(DomainError) as exc:
            missing()
        assert exc.value.code == "not_found"


def test_versions_newest_first(operator):
    selectors.current()
    services.publish_version(operator=operator, params={}, clauses=None, note="second")
    listed = selectors.versions()
    assert [v.number for v in listed] == [2, 1]
    assert listed[0].published_by == operator.username and listed[0].note == "second"
    assert listed[1].published_by is None
    number, _published_at, published_by, note = listed[1]  # a plain tuple too
    assert (number, published_by, note) == (1, None, "")


def test_clause_url_points_at_the_anchor():
    assert selectors.current().clause_url("3.6") == "/rules/v/1/#c-3.6"


@pytest.mark.django_db(transaction=True)
def test_committed_versions_are_cached_in_process(django_assert_max_num_queries):
    rulebook = selectors.current()
    with django_assert_max_num_queries(0):
        assert selectors.version(rulebook.id) is rulebook
    with django_assert_max_num_queries(1):  # only "which version is the newest"
        assert selectors.current() is rulebook


@pytest.mark.django_db(transaction=True)
def test_the_version_in_force_is_read_without_a_query_until_the_recheck(operator, django_assert_num_queries):
    v1 = selectors.in_force()
    with django_assert_num_queries(0):
        assert selectors.in_force() is v1
    # Published here: in force here at once.
    v2 = services.publish_version(operator=operator, params={"commission_bps": 100}, clauses=None, note="")
    assert selectors.in_force().id == v2.id
    # Published by another process (this one was not told): seen at the next recheck.
    row = RulebookVersion.objects.create(number=3, params={**v2.params, "commission_bps": 200})
    assert selectors.in_force().id == v2.id
    asked_at, rulebook_id = selectors._in_force
    selectors._in_force = (asked_at - selectors.IN_FORCE_RECHECK_SECONDS, rulebook_id)  # the recheck is due
    assert selectors.in_force().id == row.pk
    with django_assert_num_queries(0):
        assert selectors.in_force().params["commission_bps"] == 200


def test_the_version_in_force_is_not_remembered_from_an_uncommitted_transaction(django_capture_on_commit_callbacks):
    selectors.clear_cache()
    with django_capture_on_commit_callbacks(execute=True):
        selectors.in_force()
    assert selectors._in_force is None  # the test's transaction will roll back


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_forgets_the_cached_versions():
    rulebook = selectors.in_force()
    assert selectors._in_force is not None and rulebook.id in selectors._cache
    call_command("flush", interactive=False, verbosity=0)
    assert selectors._in_force is None and not selectors._cache


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_install_the_defaults_exactly_once():
    selectors.clear_cache()
    results, errors = run_threads(4, lambda i: selectors.current().id)
    connections.close_all()
    assert not errors, errors
    assert len(set(results)) == 1
    assert RulebookVersion.objects.count() == 1
    assert RulebookClause.objects.count() == len(defaults.CLAUSES)


def test_a_version_from_a_transaction_that_is_not_committed_is_not_cached(django_capture_on_commit_callbacks):
    selectors.clear_cache()
    with django_capture_on_commit_callbacks(execute=True):
        rulebook = selectors.current()
    assert rulebook.id not in selectors._cache  # the test's transaction will roll back

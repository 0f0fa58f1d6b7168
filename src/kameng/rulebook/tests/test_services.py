import pytest
from django.db import connections

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.rulebook import selectors, services
from kameng.rulebook.models import RulebookClause, RulebookVersion
from tests.factories import UserFactory
from tests.helpers import run_threads

pytestmark = pytest.mark.django_db

TEXTS = {"title_zh": "标题", "title_en": "Title", "body_zh": "正文", "body_en": "Text"}


def publish(operator, params=None, clauses=None, note=""):
    return services.publish_version(operator=operator, params=params or {}, clauses=clauses, note=note)


def refused(code, operator, **kwargs):
    before = RulebookVersion.objects.count()
    with pytest.raises(DomainError) as exc:
        publish(operator, **kwargs)
    assert exc.value.code == code, exc.value.code
    assert RulebookVersion.objects.count() == before  # nothing published
    return exc.value


def test_publish_creates_the_next_version_keeping_what_was_not_sent(operator):
    v1 = selectors.current()
    v2 = publish(operator, {"merchant_answer_hours": 36}, note="  longer answers  ")
    assert (v2.number, v2.note, v2.published_by) == (2, "longer answers", operator.username)
    assert v2.params == {**v1.params, "merchant_answer_hours": 36}
    assert [c.code for c in v2.clauses] == [c.code for c in v1.clauses]
    assert "36" in v2.clause("3.1").body
    v3 = publish(operator, {"buyer_answer_hours": 24})
    assert v3.number == 3 and v3.params["merchant_answer_hours"] == 36 and v3.params["buyer_answer_hours"] == 24


def test_clauses_replace_add_and_remove(operator):
    v2 = publish(
        operator,
        clauses=[
            {"code": "3.6", **TEXTS, "body_zh": "商家 {merchant_answer_hours} 小时不答复即升级。"},
            {"code": "5.6", **TEXTS},
            {"code": "11.1", **TEXTS},
        ],
    )
    assert v2.clause("3.6").body_zh == "商家 {merchant_answer_hours} 小时不答复即升级。"
    assert v2.clause("3.6").text_zh[1] == "商家 24 小时不答复即升级。"
    assert [c.code for c in v2.clauses][-3:] == ["10.5", "10.6", "11.1"]  # numeric, not text, order
    v3 = publish(operator, clauses=[{"code": "2.4", "remove": True}, {"code": "5.6", "remove": True}])
    with pytest.raises(DomainError):
        v3.clause("2.4")
    assert selectors.version(v2.id).clause("2.4")  # the old version still has it


def test_old_versions_never_change(operator):
    v1 = selectors.current()
    publish(operator, {"merchant_answer_hours": 1}, clauses=[{"code": "1.1", **TEXTS}])
    selectors.clear_cache()
    again = selectors.version(v1.id)
    assert again.params["merchant_answer_hours"] == 24
    assert again.clause("1.1").title_zh == "适用范围"
    row = RulebookVersion.objects.get(number=1)
    row.note = "rewritten"
    with pytest.raises(DomainError) as exc:
        row.save()
    assert exc.value.code == "rulebook.immutable"
    clause = RulebookClause.objects.filter(version=row).first()
    for attempt in (clause.save, clause.delete, row.delete):
        with pytest.raises(DomainError):
            attempt()
    assert RulebookVersion.objects.get(number=1).note == ""


@pytest.mark.parametrize("role", [Role.BUYER, Role.MERCHANT, Role.AGENT])
def test_only_operators_publish(role):
    user = UserFactory(role=role)
    refused("auth.role_required", user)


def test_unknown_param(operator):
    err = refused("rulebook.unknown_param", operator, params={"merchant_answer_minutes": 5})
    assert err.fields == {"params.merchant_answer_minutes": err.message}
    assert "merchant_answer_minutes" in err.message


@pytest.mark.parametrize(
    "value",
    [0, 49, -1, "24", 24.0, True, None, [24]],
    ids=["low", "high", "neg", "str", "float", "bool", "none", "list"],
)
def test_param_out_of_range_or_not_a_whole_number(operator, value):
    err = refused("rulebook.param_out_of_range", operator, params={"merchant_answer_hours": value})
    assert err.params == {"name": "merchant_answer_hours", "min": 1, "max": 48}
    assert "params.merchant_answer_hours" in err.fields


def test_param_limits_are_inclusive(operator):
    assert (
        publish(operator, {"merchant_answer_hours": 48, "fast_refund_max_fen": 0}).params["merchant_answer_hours"] == 48
    )


ORDER_PARAMS = [
    ("payment_window_minutes", 5, 1440),
    ("protection_window_hours", 1, 720),
    ("commission_bps", 0, 3000),
    ("batch_threshold_fen", 100, 10_000_000),
    ("payout_min_fen", 1, 1_000_000),
]


@pytest.mark.parametrize("name, low, high", ORDER_PARAMS)
def test_order_params_have_ranges(operator, name, low, high):
    for wrong in (low - 1, high + 1, str(low), float(low)):
        err = refused("rulebook.param_out_of_range", operator, params={name: wrong})
        assert err.params == {"name": name, "min": low, "max": high}
    assert publish(operator, {name: low}).params[name] == low
    assert publish(operator, {name: high}).params[name] == high


@pytest.mark.parametrize("code", ["8.6", "8.7", "8.8", "8.9"])
def test_the_clauses_of_the_order_params_cannot_be_removed(operator, code):
    refused("rulebook.missing_clause", operator, clauses=[{"code": code, "remove": True}])


def test_required_clause_cannot_be_removed(operator):
    err = refused("rulebook.missing_clause", operator, clauses=[{"code": "3.6", "remove": True}])
    assert err.params == {"clause": "3.6"}


@pytest.mark.parametrize(
    "body, wrong",
    [
        ("{merchant_answer_minutes} 小时", "{merchant_answer_minutes}"),
        ("{}", "{}"),
        ("{merchant_answer_hours.__class__}", "{merchant_answer_hours.__class__}"),
        ("answer within {merchant_answer_hours hours", "{"),
        ("stray } brace", "}"),
    ],
)
def test_placeholders_must_name_parameters(operator, body, wrong):
    err = refused("rulebook.bad_placeholder", operator, clauses=[{"code": "3.1", **TEXTS, "body_en": body}])
    assert err.params == {"clause": "3.1", "name": wrong}
    assert list(err.fields) == ["clauses.3.1.body_en"]


@pytest.mark.parametrize(
    "clause",
    [
        {"code": "3", **TEXTS},
        {"code": "3.6.1", **TEXTS},
        {"code": "a.b", **TEXTS},
        {"code": 3.6, **TEXTS},
        {"code": "3.6", **TEXTS, "title_en": "  "},
        {"code": "3.6", "title_zh": "只有标题"},
        {"code": "3.6", **TEXTS, "body_zh": "长" * 4001},
        {"code": "3.6", **TEXTS, "colour": "red"},
        {"code": "5.9", "remove": True},
        "3.6",
    ],
)
def test_invalid_clauses(operator, clause):
    refused("rulebook.invalid_clause", operator, clauses=[clause])


def test_a_clause_listed_twice(operator):
    refused("rulebook.invalid_clause", operator, clauses=[{"code": "3.6", **TEXTS}, {"code": "3.6", **TEXTS}])


def test_bad_shapes_and_note(operator):
    refused("invalid_input", operator, params=[("merchant_answer_hours", 2)])
    refused("invalid_input", operator, clauses={"code": "3.6"})
    refused("invalid_input", operator, note="x" * 501)


def test_texts_are_stored_with_plain_newlines(operator):
    v2 = publish(operator, clauses=[{"code": "1.1", **TEXTS, "body_zh": " 第一行\r\n第二行 "}])
    assert v2.clause("1.1").body_zh == "第一行\n第二行"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_publishers_get_consecutive_versions():
    operator = UserFactory(role=Role.OPERATOR)
    selectors.current()

    def publish_one(i):
        return services.publish_version(
            operator=operator, params={"merchant_answer_hours": 10 + i}, clauses=None, note=f"p{i}"
        ).number

    results, errors = run_threads(4, publish_one)
    connections.close_all()
    assert not errors, errors
    assert sorted(results) == [2, 3, 4, 5]
    assert list(RulebookVersion.objects.order_by("number").values_list("number", flat=True)) == [1, 2, 3, 4, 5]

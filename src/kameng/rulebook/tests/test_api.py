import pytest
from django.test import Client

from kameng.rulebook.models import RulebookVersion
from kameng.rulebook.params import PARAMS
from tests.helpers import ApiClient, assert_error

pytestmark = pytest.mark.django_db
URL = "/api/v1/rulebook"


def test_current_rulebook_is_public_and_complete():
    r = ApiClient().get(URL)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["number"] == 1 and body["published_by"] is None
    assert body["params"]["merchant_answer_hours"] == 24
    assert [p["name"] for p in body["parameters"]] == [p.name for p in PARAMS]
    penalty = next(p for p in body["parameters"] if p["name"] == "penalty_max_fen")
    assert penalty["shown"] == "¥500.00" and penalty["clause"] == "4.5"
    clause = next(c for c in body["clauses"] if c["code"] == "3.1")
    assert clause["title"] == "商家答复期限" and "24 小时" in clause["body"]
    assert "{merchant_answer_hours}" in clause["body_en"]
    families = {f["code"]: f for f in body["problems"]}
    assert set(families) == {"product", "delivery", "service"}
    invalid = next(s for s in families["product"]["subtypes"] if s["code"] == "invalid_key")
    assert invalid["usual_party"] == "merchant" and invalid["clause"] == "5.1"


def test_english_texts_follow_the_language_cookie():
    client = ApiClient()
    client.client.cookies["django_language"] = "en"
    clause = next(c for c in client.get(URL).json()["clauses"] if c["code"] == "3.1")
    assert clause["title"] == "The merchant's deadline" and "24 hours" in clause["body"]


def test_versions_list_and_one_version(operator):
    c = ApiClient(operator)
    assert c.post(f"{URL}/versions", {"params": {"merchant_answer_hours": 12}, "note": "faster"}).status_code == 201
    listed = ApiClient().get(f"{URL}/versions").json()
    assert [(v["number"], v["note"], v["published_by"]) for v in listed] == [
        (2, "faster", operator.username),
        (1, "", None),
    ]
    assert ApiClient().get(f"{URL}/versions/1").json()["params"]["merchant_answer_hours"] == 24
    assert ApiClient().get(f"{URL}/versions/2").json()["params"]["merchant_answer_hours"] == 12
    assert ApiClient().get(URL).json()["number"] == 2


@pytest.mark.parametrize("number", ["3", "0", "-1", "x", str(2**63)])
def test_unknown_version(number):
    r = ApiClient().get(f"{URL}/versions/{number}")
    assert_error(r, 404 if number == "3" else 422)


def test_publish_by_operator_with_clauses(operator):
    r = ApiClient(operator).post(
        f"{URL}/versions",
        {
            "params": {"fast_refund_max_fen": 20000},
            "clauses": [
                {
                    "code": "5.6",
                    "title_zh": "新条款",
                    "title_en": "New",
                    "body_zh": "至多 {fast_refund_max_fen}",
                    "body_en": "x",
                },
                {"code": "2.4", "remove": True},
            ],
            "note": "raise the limit",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"] == 2 and body["params"]["fast_refund_max_fen"] == 20000
    codes = [c["code"] for c in body["clauses"]]
    assert "5.6" in codes and "2.4" not in codes
    assert next(c for c in body["clauses"] if c["code"] == "5.6")["body"] == "至多 ¥200.00"


def test_publish_with_a_session(operator):
    client = Client()
    client.force_login(operator)
    r = client.post(f"{URL}/versions", {"params": {}}, content_type="application/json")
    assert r.status_code == 201, r.content


def test_publish_needs_an_operator(buyer, merchant, agent):
    assert_error(ApiClient().post(f"{URL}/versions", {"params": {}}), 401, "not_authenticated")
    for user in (buyer, merchant, agent):
        assert_error(ApiClient(user).post(f"{URL}/versions", {"params": {}}), 403, "auth.role_required")
    assert RulebookVersion.objects.count() <= 1


@pytest.mark.parametrize(
    "payload, code, field",
    [
        ({"params": {"nope": 1}}, "rulebook.unknown_param", "params.nope"),
        ({"params": {"merchant_answer_hours": 49}}, "rulebook.param_out_of_range", "params.merchant_answer_hours"),
        ({"params": {"merchant_answer_hours": "24"}}, "rulebook.param_out_of_range", "params.merchant_answer_hours"),
        ({"params": {"merchant_answer_hours": 24.5}}, "rulebook.param_out_of_range", "params.merchant_answer_hours"),
        ({"params": {"merchant_answer_hours": True}}, "rulebook.param_out_of_range", "params.merchant_answer_hours"),
        ({"clauses": [{"code": "3.6", "remove": True}]}, "rulebook.missing_clause", "clauses.3.6"),
        (
            {"clauses": [{"code": "3.1", "title_zh": "a", "title_en": "b", "body_zh": "{x}", "body_en": "d"}]},
            "rulebook.bad_placeholder",
            "clauses.3.1.body_zh",
        ),
        ({"clauses": [{"code": "3.1", "title_zh": "only"}]}, "rulebook.invalid_clause", "clauses.3.1.title_en"),
        ({"clauses": [{"code": "x"}]}, "rulebook.invalid_clause", "clauses"),
        ({"params": {}, "extra": 1}, "invalid_input", "extra"),
        ({"params": []}, "invalid_input", "params"),
        ({"clauses": [{"code": "3.1", "colour": "red"}]}, "invalid_input", "clauses.0.colour"),
        ({"note": "x" * 501}, "invalid_input", "note"),
    ],
)
def test_publish_bad_input_changes_nothing(operator, payload, code, field):
    status = 422
    err = assert_error(ApiClient(operator).post(f"{URL}/versions", payload), status, code)
    assert field in err["fields"], err
    assert not RulebookVersion.objects.filter(number__gt=1).exists()


def test_publish_not_json(operator):
    r = ApiClient(operator).post(f"{URL}/versions", "{not json", content_type="application/json")
    assert_error(r, r.status_code)
    assert r.status_code in (400, 422)


@pytest.mark.parametrize(
    "name, low, high",
    [
        ("payment_window_minutes", 5, 1440),
        ("protection_window_hours", 1, 720),
        ("commission_bps", 0, 3000),
        ("batch_threshold_fen", 100, 10_000_000),
        ("payout_min_fen", 1, 1_000_000),
    ],
)
def test_the_order_params_are_published_within_their_ranges(operator, name, low, high):
    client = ApiClient(operator)
    before = ApiClient().get(URL).json()["params"][name]
    for wrong in (low - 1, high + 1):
        err = assert_error(
            client.post(f"{URL}/versions", {"params": {name: wrong}}), 422, "rulebook.param_out_of_range"
        )
        assert f"params.{name}" in err["fields"]
    assert not RulebookVersion.objects.filter(number__gt=1).exists()
    assert ApiClient().get(URL).json()["params"][name] == before
    r = client.post(f"{URL}/versions", {"params": {name: high}})
    assert r.status_code == 201 and r.json()["params"][name] == high
    spec = next(p for p in r.json()["parameters"] if p["name"] == name)
    assert (spec["min"], spec["max"], spec["clause"]) == (low, high, spec["clause"]) and spec["clause"].startswith("8.")


def test_the_commission_is_shown_as_a_percentage():
    commission = next(p for p in ApiClient().get(URL).json()["parameters"] if p["name"] == "commission_bps")
    assert (commission["value"], commission["shown"], commission["unit"], commission["clause"]) == (
        300,
        "3%",
        "bps",
        "8.7",
    )

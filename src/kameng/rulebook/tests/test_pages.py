from html import unescape

import pytest
from django.test import Client

from kameng.rulebook import selectors, services
from kameng.rulebook.models import RulebookVersion
from kameng.rulebook.params import PARAMS

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def english(client=None):
    client = client or Client()
    client.cookies["django_language"] = "en"
    return client


def test_rulebook_page_in_chinese():
    r = Client().get("/rules/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "售后处理规范" in html and "v1" in html
    assert 'id="c-3.6"' in html and "商家逾期自动升级" in html
    assert "商家须在 24 小时内处理" in html  # parameters are filled in
    assert "¥500.00" in html  # fen shown as yuan
    for spec in PARAMS:  # the parameters table
        assert f'id="p-{spec.name}"' in html
    assert "卡密无效" in html and "售后无响应" in html  # the problem taxonomy
    assert "平台默认规范" in html or "平台的默认规则" in html
    assert 'href="/rules/"' in html  # the nav link for everyone


def test_rulebook_page_in_english():
    html = unescape(english().get("/rules/").content.decode())
    assert "After-sales rulebook" in html
    assert "The merchant's deadline" in html and "within 24 hours" in html
    assert "Card key invalid" in html and "Usually responsible" in html


def test_an_older_version_says_so(operator):
    selectors.current()
    services.publish_version(operator=operator, params={"merchant_answer_hours": 12}, clauses=None, note="更快答复")
    old = Client().get("/rules/v/1/").content.decode()
    assert "商家须在 24 小时内处理" in old and 'href="/rules/"' in old and "现行规范为第 2 版" in old
    new = Client().get("/rules/").content.decode()
    assert "商家须在 12 小时内处理" in new and "更快答复" in new and 'href="/rules/v/1/"' in new
    assert Client().get("/rules/v/2/").status_code == 200
    assert Client().get("/rules/v/3/").status_code == 404


def test_editor_is_for_operators_only(buyer, merchant, agent):
    r = Client().get("/operator/rules/")
    assert r.status_code == 302 and "/login" in r["Location"]
    for user in (buyer, merchant, agent):
        assert login(user).get("/operator/rules/").status_code == 403
        assert login(user).post("/operator/rules/", {"note": "x"}).status_code == 403
    assert RulebookVersion.objects.count() <= 1


def _form(rulebook, **changes):
    data = {f"param-{k}": v for k, v in rulebook.params.items()}
    data["clause"] = [c.code for c in rulebook.clauses]
    for c in rulebook.clauses:
        for t in ("title_zh", "title_en", "body_zh", "body_en"):
            data[f"{t}-{c.code}"] = getattr(c, t)
    data["note"] = ""
    data.update(changes)
    return data


def test_editor_shows_every_param_and_clause(operator):
    html = login(operator).get("/operator/rules/").content.decode()
    assert 'name="param-merchant_answer_hours" value="24" min="1" max="48"' in html
    assert 'name="body_zh-3.6"' in html and 'name="title_en-9.1"' in html
    assert 'name="remove-2.4"' in html and 'name="remove-3.6"' not in html  # required clauses stay
    assert 'href="/operator/rules/"' in html  # the operator's nav link


def test_editor_publishes_a_version(operator):
    client = login(operator)
    rulebook = selectors.current()
    form = _form(
        rulebook,
        **{
            "param-merchant_answer_hours": "36",
            "body_en-3.1": "Answer within {merchant_answer_hours} hours.\r\nThanks.",
            "note": "更长",
            "new-code": "5.6",
            "new-title_zh": "新",
            "new-title_en": "New",
            "new-body_zh": "新条款",
            "new-body_en": "New clause",
            "remove-2.4": "1",
        },
    )
    r = client.post("/operator/rules/", form)
    assert r.status_code == 302 and r["Location"] == "/operator/rules/"
    v2 = selectors.current()
    assert v2.number == 2 and v2.params["merchant_answer_hours"] == 36 and v2.note == "更长"
    assert v2.clause("3.1").body_en == "Answer within {merchant_answer_hours} hours.\nThanks."
    assert v2.clause("5.6").title_zh == "新"
    assert "2.4" not in [c.code for c in v2.clauses]
    assert "已发布" in client.get("/operator/rules/").content.decode()


@pytest.mark.parametrize(
    "changes, code, marker",
    [
        (
            {"param-merchant_answer_hours": "49"},
            "rulebook.param_out_of_range",
            'name="param-merchant_answer_hours" value="49"',
        ),
        ({"param-merchant_answer_hours": "abc"}, "rulebook.param_out_of_range", 'value="abc"'),
        ({"body_zh-3.1": "{oops}"}, "rulebook.bad_placeholder", "{oops}</textarea>"),
        (
            {"title_en-3.1": ""},
            "rulebook.invalid_clause",
            'name="title_en-3.1" value="" maxlength="200" aria-invalid="true"',
        ),
        ({"new-code": "5.6", "new-title_zh": "x"}, "rulebook.invalid_clause", 'name="new-code" value="5.6"'),
    ],
)
def test_editor_errors_are_shown_inline_and_publish_nothing(operator, changes, code, marker):
    client = login(operator)
    rulebook = selectors.current()
    r = client.post("/operator/rules/", _form(rulebook, **changes))
    html = r.content.decode()
    assert r.status_code == 422
    assert f'data-code="{code}"' in html
    assert marker in html  # what the operator typed is kept
    assert html.count('role="alert"') >= 2  # the form-level message and the one next to the field
    assert RulebookVersion.objects.count() == 1


def test_editor_in_english(operator):
    html = english(login(operator)).get("/operator/rules/").content.decode()
    assert "Rulebook editor" in html and "Publish version 2" in html


ORDER_PARAMS = [
    ("payment_window_minutes", 15, 5, 1440),
    ("protection_window_hours", 72, 1, 720),
    ("commission_bps", 300, 0, 3000),
    ("batch_threshold_fen", 50_000, 100, 10_000_000),
    ("payout_min_fen", 100, 1, 1_000_000),
]


@pytest.mark.parametrize("name, default, low, high", ORDER_PARAMS)
def test_editor_shows_the_order_params_and_refuses_values_out_of_range(operator, name, default, low, high):
    client = login(operator)
    rulebook = selectors.current()
    html = client.get("/operator/rules/").content.decode()
    assert f'name="param-{name}" value="{default}" min="{low}" max="{high}"' in html
    for wrong in (low - 1, high + 1):
        r = client.post("/operator/rules/", _form(rulebook, **{f"param-{name}": str(wrong)}))
        html = r.content.decode()
        assert r.status_code == 422
        assert 'data-code="rulebook.param_out_of_range"' in html
        assert f'name="param-{name}" value="{wrong}"' in html and 'aria-invalid="true"' in html
    assert RulebookVersion.objects.count() == 1
    assert selectors.current().params[name] == default


def test_editor_publishes_order_params_and_the_rulebook_shows_them(operator):
    client = login(operator)
    form = _form(selectors.current(), **{"param-commission_bps": "250", "param-payment_window_minutes": "30"})
    assert client.post("/operator/rules/", form).status_code == 302
    assert selectors.current().params["commission_bps"] == 250
    html = Client().get("/rules/").content.decode()
    assert 'id="c-8.6"' in html and "30 分钟内付款" in html and "按结算金额的 2.5% 收取佣金" in html
    row = html.split('id="p-commission_bps"', 1)[1].split("</tr>", 1)[0]
    assert "<b>2.5%</b>" in row and "0% – 30%" in row and "基点" not in row  # a rate carries its unit
    editor = client.get("/operator/rules/").content.decode()
    assert "基点" in editor and "· 2.5%" in editor  # what the operator types is basis points

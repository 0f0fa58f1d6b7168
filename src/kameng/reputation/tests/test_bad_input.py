"""Bad input at every endpoint and form of trust & prevention (issue 10): reviews and penalties,
shop applications, sign-up and verification. Each is refused with a 4xx (the API in the one error
shape), never a 500, and writes nothing.

Most tests run a list of bad inputs against one setup and report every input that went wrong
(``each``), so one slow fixture serves many cases and a failure names all of them."""

from __future__ import annotations

import functools
import os
import traceback

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from kameng.accounts import human_check
from kameng.accounts.models import Role, SignupAttempt, User
from kameng.accounts.services import VERIFY_SALT
from kameng.accounts.tests.test_signup import _solve
from kameng.aftersales.tests.conftest import buy
from kameng.ledger.models import JournalEntry, Posting
from kameng.notifications.models import Notification
from kameng.onboarding import services as onboarding
from kameng.onboarding.models import ApplicationDocument, ShopApplication
from kameng.onboarding.tests.test_services import fund, tiny_png
from kameng.orders import services as orders
from kameng.reputation import penalties, services
from kameng.reputation.models import FollowUp, MetricDay, Moderation, Penalty, PenaltyState, Review
from kameng.rulebook import selectors as rulebook
from kameng.shops.models import Shop, ShopStatus
from kameng.timeline.models import Event
from tests.factories import ShopFactory, UserFactory
from tests.helpers import assert_error

pytestmark = pytest.mark.django_db

API = "/api/v1"
APPS = f"{API}/onboarding/applications"
STARS = {"stars_described": 5, "stars_delivery": 4, "stars_service": 3}
HUGE = 10**20
BAD_IDS = ["0", "-1", str(HUGE), "abc", "1.5", str(2**53 + 1), "1e3", "%20"]
BAD_PAGES = ["0", "-1", "abc", str(10**30), "1.5", "", "²"]
LONG = "长" * 501
JSON = "application/json"


# --- nothing written ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _quick_and_contained(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # uploaded files are counted too
    settings.KAMENG_SIGNUP_MIN_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only


def _watched() -> dict[str, str]:
    """What a refusal must not change, each as one SQL count (the whole snapshot is one query):
    rows of every table the endpoints write, and the columns their updates set."""
    t = {m.__name__: m._meta.db_table for m in (Review, FollowUp, Moderation, Penalty, ShopApplication)}
    t |= {m.__name__: m._meta.db_table for m in (ApplicationDocument, JournalEntry, Posting, Shop, User)}
    t |= {m.__name__: m._meta.db_table for m in (SignupAttempt, Event, Notification, MetricDay)}
    counts = {name: f"SELECT COUNT(*) FROM {table}" for name, table in t.items()}
    where = {
        "replied": ("Review", "replied_at IS NOT NULL"),
        "hidden": ("Review", "hidden_at IS NOT NULL"),
        "counted": ("Review", "counted"),
        "appealed": ("Penalty", "appealed_at IS NOT NULL"),
        "decided": ("Penalty", "decided_at IS NOT NULL"),
        "active users": ("User", "is_active"),
        "merchants": ("User", "role = 'merchant'"),
        "awaiting": ("User", "awaiting_verification"),
        "metric reviews": ("MetricDay", "reviews > 0"),
        **{f"penalty {s}": ("Penalty", f"state = '{s}'") for s in PenaltyState.values},
        **{f"application {s}": ("ShopApplication", f"state = '{s}'") for s in ShopApplication.State.values},
        **{f"shop {s}": ("Shop", f"status = '{s}'") for s in ShopStatus.values},
    }
    return counts | {name: f"SELECT COUNT(*) FROM {t[model]} WHERE {cond}" for name, (model, cond) in where.items()}


def snapshot() -> dict:
    from django.conf import settings

    watched = _watched()
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"({q})" for q in watched.values()))
        row = cursor.fetchone()
    root = settings.MEDIA_ROOT
    return dict(zip(watched, row, strict=True)) | {
        "files": sorted(os.path.join(d, f) for d, _dirs, fs in os.walk(root) for f in fs)
    }


def _where(exc: BaseException) -> str:
    """The deepest frame of ours in the traceback: where the bug is."""
    ours = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "/src/kameng/" in f.filename and "/tests/" not in f.filename
    ]
    return f" at {ours[-1].filename.split('/src/')[-1]}:{ours[-1].lineno}" if ours else ""


_collecting: list[list[str]] = []  # the failures of the running @all_cases test


def all_cases(test):
    """The test runs every ``each`` in it to the end and then fails once, listing every case
    that went wrong in all of them."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        failures: list[str] = []
        _collecting.append(failures)
        try:
            test(*args, **kwargs)
        finally:
            _collecting.pop()
        assert not failures, "\n".join([f"{len(failures)} cases went wrong:", *failures])

    return run


def each(cases, check) -> None:
    """``check(case)`` for every case, each one required to write nothing; then one failure that
    lists every case that went wrong (a 500 raised by a page shows where it came from)."""
    failures = []
    for case in cases:
        before = snapshot()
        try:
            check(case)
            after = snapshot()
            changed = sorted(k for k in before if before[k] != after[k])
            assert not changed, f"wrote {changed}"
        except Exception as exc:  # collected and reported below
            text = str(exc).splitlines()[0][:300] if str(exc) else ""
            failures.append(f"{case!r}: {type(exc).__name__}: {text}{_where(exc)}")
    if _collecting:
        _collecting[-1].extend(failures)
    else:
        assert not failures, "\n".join([f"{len(failures)} of {len(cases)} cases went wrong:", *failures])


def refused(response, status: int | None = None, code: str | None = None) -> dict:
    """A 4xx in the one error shape (any 4xx when ``status`` is None)."""
    assert response.status_code < 500, f"{response.status_code} {response.content[:300]!r}"
    return assert_error(response, status or response.status_code, code)


def page_refused(response, *statuses: int) -> None:
    assert response.status_code in statuses, f"{response.status_code} (expected one of {statuses})"


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def done_order(buyer, card_product):
    order = buy(buyer, card_product)
    return orders.confirm_receipt(buyer=buyer, order_id=order.pk)


@pytest.fixture
def review(buyer, done_order):
    return services.post_review(buyer=buyer, order_id=done_order.pk, **STARS)


@pytest.fixture
def penalty(shop):
    return Penalty.objects.create(
        shop=shop, rule="invalid_keys_warning", kind="warning", clause="10.6", rulebook_id=rulebook.in_force().id
    )


@pytest.fixture
def appealed(merchant, penalty):
    return penalties.appeal_penalty(merchant=merchant, penalty_id=penalty.pk, text="供货商问题")


@pytest.fixture
def login():
    def make(user=None):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


def new_applicant(username: str) -> User:
    user = UserFactory(role=Role.BUYER, username=username)
    fund(user, 60_000)
    return user


@pytest.fixture
def applicant(db):
    return new_applicant("applicant")


def png(name: str = "id.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def application_form(**overrides) -> dict:
    data = {
        "shop_name": "月光点卡",
        "description": "腾讯 Q 币、网易一卡通，自动发货。",
        "category": "game_card",
        "contact": "13800000000",
        "identity": png(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def application(applicant):
    return onboarding.submit_application(
        applicant=applicant,
        shop_name="星辰卡铺",
        description="Steam 点卡与游戏充值，全天自动发货。",
        category="game_card",
        contact="QQ 10001",
        documents=[onboarding.Document("identity", png())],
    )


@pytest.fixture
def asked_more(application, operator):
    onboarding.decide_application(operator=operator, application_id=application.pk, action="ask_more", reason="执照")
    application.refresh_from_db()
    return application


def sign_up(**over) -> dict:
    check = human_check.new_challenge()
    body = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password": "Kameng-signup-2026",
        "challenge": check.token,
        "answer": _solve(check.question),
    }
    body.update(over)
    return {k: v for k, v in body.items() if v is not None}


def test_the_snapshot_sees_every_kind_of_write(buyer, merchant, operator, review, penalty, applicant):
    """The harness itself: each write a refusal must not make changes the snapshot."""
    clause = rulebook.in_force().clauses[0].code
    writes = [
        lambda: services.reply_to_review(merchant=merchant, review_id=review.pk, text="谢谢"),
        lambda: services.hide_review(operator=operator, review_id=review.pk, clause=clause, reason="x"),
        lambda: penalties.appeal_penalty(merchant=merchant, penalty_id=penalty.pk, text="x"),
        lambda: penalties.decide_appeal(operator=operator, penalty_id=penalty.pk, uphold=False, note="x"),
        lambda: onboarding.submit_application(
            applicant=applicant,
            shop_name="新店",
            description="一家新的测试店铺，自动发货。",
            category="game_card",
            contact="QQ 10001",
            documents=[onboarding.Document("identity", png())],
        ),
        lambda: User.objects.filter(pk=buyer.pk).update(is_active=False),
    ]
    for write in writes:
        before = snapshot()
        write()
        assert snapshot() != before


# === /api/v1/reviews ===================================================================================


@all_cases
def test_api_review_lists_bad_page_and_slug(api_client, merchant, shop):
    anon, mine = api_client(), api_client(merchant)
    each(BAD_PAGES, lambda p: refused(anon.get(f"{API}/reviews/shops/{shop.slug}", {"page": p}), 422, "invalid_input"))
    each(BAD_PAGES, lambda p: refused(mine.get(f"{API}/reviews/mine", {"page": p}), 422, "invalid_input"))
    slugs = ["no-such-shop", "x" * 65, "..", "星辰", "a%20b", "-"]
    each(slugs, lambda s: refused(anon.get(f"{API}/reviews/shops/{s}"), 404, "not_found"))
    each(slugs, lambda s: refused(anon.get(f"{API}/reviews/shops/{s}/trust"), 404, "not_found"))
    # A NUL in the path is refused before any view runs (PostgreSQL cannot even compare it).
    for path in (f"{API}/reviews/shops/%00", f"{API}/reviews/shops/%00/trust"):
        refused(anon.get(path), 422, "invalid_input")


BAD_REVIEW_BODIES = [
    {},
    {k: v for k, v in STARS.items() if k != "stars_service"},
    {**STARS, "stars_described": 0},
    {**STARS, "stars_delivery": 6},
    {**STARS, "stars_service": -1},
    {**STARS, "stars_service": HUGE},
    {**STARS, "stars_described": "5"},
    {**STARS, "stars_described": 4.0},
    {**STARS, "stars_described": 4.5},
    {**STARS, "stars_described": True},
    {**STARS, "stars_described": None},
    {**STARS, "stars_described": [5]},
    {**STARS, "text": LONG},
    {**STARS, "text": 123},
    {**STARS, "text": None},
    {**STARS, "tags": ["bribe"]},
    {**STARS, "tags": "key_valid"},
    {**STARS, "tags": [1]},
    {**STARS, "tags": [["key_valid"]]},
    {**STARS, "tags": ["key_valid"] * 11},
    {**STARS, "tags": {"key_valid": True}},
    {**STARS, "rating": 5},
]
RAW_BODIES = [  # (body, content type): not a JSON object at all
    ("not json", JSON),
    ("", JSON),
    ('{"stars_described": 5,', JSON),
    ("[1, 2, 3]", JSON),
    ("null", JSON),
    ('"five"', JSON),
    (b"\xff\xfe\x00", JSON),
    ("stars_described=5&stars_delivery=5&stars_service=5", "application/x-www-form-urlencoded"),
    ('{"stars_described": 5}', "text/plain"),
    ("garbage", "multipart/form-data"),
]


@all_cases
def test_api_post_review_bad_input(api_client, buyer, done_order):
    client, url = api_client(buyer), f"{API}/reviews/orders/{done_order.pk}"
    each(BAD_REVIEW_BODIES, lambda body: refused(client.post(url, body), 422, "invalid_input"))
    each(RAW_BODIES, lambda raw: refused(client.post(url, raw[0], content_type=raw[1])))
    each(BAD_IDS, lambda i: refused(client.post(f"{API}/reviews/orders/{i}", STARS), 422, "invalid_input"))


@all_cases
def test_api_post_review_who(api_client, buyer, other_buyer, merchant, operator, card_product, done_order):
    open_order = buy(buyer, card_product)  # delivered, not yet confirmed
    mine, url = api_client(buyer), f"{API}/reviews/orders/{done_order.pk}"
    cases = [
        (api_client(), url, 401, "not_authenticated"),
        (api_client(other_buyer), url, 404, "not_found"),  # another buyer's order: not even seen
        (api_client(merchant), url, 403, "auth.role_required"),
        (api_client(operator), url, 403, "auth.role_required"),
        (mine, f"{API}/reviews/orders/{open_order.pk}", 409, "reviews.not_completed"),
        (mine, f"{API}/reviews/orders/999999", 404, "not_found"),
    ]
    each(cases, lambda c: refused(c[0].post(c[1], STARS), c[2], c[3]))
    each(
        ["Bearer km_forged", "Basic abc", "Bearer ", "x" * 5000],
        lambda h: refused(api_client().post(url, STARS, headers={"Authorization": h}), 401),
    )
    each(["get", "put", "delete"], lambda m: refused(getattr(mine, m)(url), 405))
    assert mine.post(url, STARS).status_code == 201
    each([STARS], lambda body: refused(mine.post(url, body), 409, "reviews.already_reviewed"))


@all_cases
def test_api_follow_up_and_reply_bad_text(api_client, buyer, merchant, review):
    bodies = [{}, {"text": ""}, {"text": "   "}, {"text": LONG}, {"text": 5}, {"text": None}, {"text": "x", "more": 1}]
    buyer_client, merchant_client = api_client(buyer), api_client(merchant)
    each(bodies, lambda b: refused(buyer_client.post(f"{API}/reviews/{review.pk}/follow-up", b), 422, "invalid_input"))
    each(bodies, lambda b: refused(merchant_client.post(f"{API}/reviews/{review.pk}/reply", b), 422, "invalid_input"))
    each(
        RAW_BODIES,
        lambda raw: refused(merchant_client.post(f"{API}/reviews/{review.pk}/reply", raw[0], content_type=raw[1])),
    )


def test_api_review_actions_bad_id(api_client, buyer, merchant, operator):
    calls = [
        (api_client(buyer), "follow-up", {"text": "后续"}),
        (api_client(merchant), "reply", {"text": "谢谢"}),
        (api_client(operator), "hide", {"clause": "10.2", "reason": "辱骂"}),
    ]
    each(
        [(c, i) for c in calls for i in BAD_IDS],
        lambda ci: refused(ci[0][0].post(f"{API}/reviews/{ci[1]}/{ci[0][1]}", ci[0][2]), 422, "invalid_input"),
    )


def test_api_review_actions_others_and_roles(api_client, buyer, other_buyer, merchant, other_shop, operator, review):
    base = f"{API}/reviews/{review.pk}"
    clause = rulebook.in_force().clauses[0].code
    hide = {"clause": clause, "reason": "x"}
    cases = [
        (other_buyer, f"{base}/follow-up", {"text": "x"}, 404, "not_found"),
        (merchant, f"{base}/follow-up", {"text": "x"}, 403, "auth.role_required"),
        (buyer, f"{base}/follow-up", {"text": "x"}, 409, "reviews.no_closed_case"),
        (other_shop.owner, f"{base}/reply", {"text": "x"}, 404, "not_found"),
        (buyer, f"{base}/reply", {"text": "x"}, 403, "auth.role_required"),
        (operator, f"{base}/reply", {"text": "x"}, 403, "auth.role_required"),
        (None, f"{base}/reply", {"text": "x"}, 401, "not_authenticated"),
        (merchant, f"{base}/hide", hide, 403, "auth.role_required"),
        (buyer, f"{base}/hide", hide, 403, "auth.role_required"),
        (None, f"{base}/hide", hide, 401, "not_authenticated"),
        (operator, f"{API}/reviews/999999/hide", hide, 404, "not_found"),
        (merchant, f"{API}/reviews/999999/reply", {"text": "x"}, 404, "not_found"),
        (buyer, f"{API}/reviews/999999/follow-up", {"text": "x"}, 404, "not_found"),
    ]
    each(cases, lambda c: refused(api_client(c[0]).post(c[1], c[2]), c[3], c[4]))


@all_cases
def test_api_hide_bad_body(api_client, operator, review):
    clause = rulebook.in_force().clauses[0].code
    cases = [
        ({"clause": "99.99", "reason": "x"}, "reviews.unknown_clause"),
        ({"clause": "", "reason": "x"}, "invalid_input"),
        ({"clause": "1" * 17, "reason": "x"}, "invalid_input"),
        ({"clause": 10.2, "reason": "x"}, "invalid_input"),
        ({"clause": [clause], "reason": "x"}, "invalid_input"),
        ({"clause": clause, "reason": ""}, "invalid_input"),
        ({"clause": clause, "reason": "   "}, "invalid_input"),
        ({"clause": clause, "reason": LONG}, "invalid_input"),
        ({"clause": clause}, "invalid_input"),
        ({"reason": "x"}, "invalid_input"),
        ({"clause": clause, "reason": "x", "silent": True}, "invalid_input"),
    ]
    client = api_client(operator)
    each(cases, lambda c: refused(client.post(f"{API}/reviews/{review.pk}/hide", c[0]), 422, c[1]))
    assert client.post(f"{API}/reviews/{review.pk}/hide", {"clause": clause, "reason": "辱骂"}).status_code == 200
    each([clause], lambda c: refused(client.post(f"{API}/reviews/{review.pk}/hide", {"clause": c, "reason": "y"}), 409))


def test_api_merchant_reads_wrong_role_or_no_shop(api_client, buyer, operator):
    shopless = UserFactory(role=Role.MERCHANT, username="shopless")
    cases = [(None, p, 401) for p in ("/reviews/mine", "/reviews/mine/dashboard", "/reviews/penalties")]
    cases += [(buyer, p, 403) for p in ("/reviews/mine", "/reviews/mine/dashboard", "/reviews/penalties")]
    cases += [(operator, "/reviews/mine/dashboard", 403), (operator, "/reviews/mine", 403)]
    cases += [(shopless, "/reviews/mine/dashboard", 409), (shopless, "/reviews/penalties", 409)]
    each(cases, lambda c: refused(api_client(c[0]).get(f"{API}{c[1]}"), c[2]))


@all_cases
def test_api_appeal_and_decide_bad_body(api_client, merchant, operator, appealed, penalty):
    merchant_client, desk = api_client(merchant), api_client(operator)
    appeals = [
        {},
        {"text": ""},
        {"text": " "},
        {"text": LONG},
        {"text": 1},
        {"text": None},
        {"text": "x", "penalty": 1},
    ]
    each(appeals, lambda b: refused(merchant_client.post(f"{API}/reviews/penalties/{penalty.pk}/appeal", b), 422))
    decisions = [
        {},
        {"note": "x"},
        {"uphold": None, "note": "x"},
        {"uphold": [True], "note": "x"},
        {"uphold": {"yes": 1}, "note": "x"},
        {"uphold": True},
        {"uphold": True, "note": ""},
        {"uphold": True, "note": "  "},
        {"uphold": True, "note": LONG},
        {"uphold": True, "note": 7},
        {"uphold": True, "note": "x", "extra": 1},
    ]
    url = f"{API}/reviews/penalties/{appealed.pk}/decide"
    each(decisions, lambda b: refused(desk.post(url, b), 422, "invalid_input"))
    each(RAW_BODIES, lambda raw: refused(desk.post(url, raw[0], content_type=raw[1])))


def test_api_decide_uphold_must_be_a_json_boolean(api_client, operator):
    """The service takes only True or False (``decide_appeal``: "true or false"), but the schema's
    lax ``bool`` turns "yes", "off", 1 or "0" into a decision before the service sees it."""
    values = ["yes", "off", 1, 0, "1", "n"]
    book = rulebook.in_force().id
    appealed = {}
    for value in values:  # one appealed penalty (of its own shop) per value, so each case starts alike
        p = Penalty.objects.create(
            shop=ShopFactory(), rule="invalid_keys_warning", kind="warning", clause="10.6", rulebook_id=book
        )
        appealed[repr(value)] = penalties.appeal_penalty(merchant=p.shop.owner, penalty_id=p.pk, text="申诉")
    desk = api_client(operator)
    each(
        values,
        lambda v: refused(
            desk.post(f"{API}/reviews/penalties/{appealed[repr(v)].pk}/decide", {"uphold": v, "note": "x"}), 422
        ),
    )


@all_cases
def test_api_penalty_bad_id(api_client, merchant, operator):
    merchant_client, desk = api_client(merchant), api_client(operator)
    each(BAD_IDS, lambda i: refused(merchant_client.post(f"{API}/reviews/penalties/{i}/appeal", {"text": "x"}), 422))
    body = {"uphold": True, "note": "x"}
    each(BAD_IDS, lambda i: refused(desk.post(f"{API}/reviews/penalties/{i}/decide", body), 422))


@all_cases
def test_api_penalty_others_and_roles(api_client, buyer, merchant, other_shop, operator, penalty):
    appeal, decide = f"{API}/reviews/penalties/{penalty.pk}/appeal", f"{API}/reviews/penalties/{penalty.pk}/decide"
    cases = [
        (other_shop.owner, appeal, {"text": "x"}, 404),
        (buyer, appeal, {"text": "x"}, 403),
        (operator, appeal, {"text": "x"}, 403),
        (None, appeal, {"text": "x"}, 401),
        (merchant, decide, {"uphold": False, "note": "x"}, 403),
        (None, decide, {"uphold": False, "note": "x"}, 401),
        (operator, decide, {"uphold": False, "note": "x"}, 409),  # not appealed
        (operator, f"{API}/reviews/penalties/999999/decide", {"uphold": True, "note": "x"}, 404),
        (merchant, f"{API}/reviews/penalties/999999/appeal", {"text": "x"}, 404),
    ]
    each(cases, lambda c: refused(api_client(c[0]).post(c[1], c[2]), c[3]))
    other = api_client(other_shop.owner).get(f"{API}/reviews/penalties")
    assert other.status_code == 200 and other.json() == []  # another shop's penalties do not leak


# === /api/v1/onboarding ================================================================================


def test_api_apply_bad_form(applicant, api_client):
    cases = [
        ({"shop_name": None}, 422, "invalid_input"),
        ({"shop_name": "   "}, 422, "invalid_input"),
        ({"shop_name": "店" * 65}, 422, "invalid_input"),
        ({"description": None}, 422, "invalid_input"),
        ({"description": "短"}, 422, "invalid_input"),
        ({"description": "长" * 4001}, 422, "invalid_input"),
        ({"category": "weapons"}, 422, "invalid_input"),
        ({"category": None}, 422, "invalid_input"),
        ({"contact": "1"}, 422, "invalid_input"),
        ({"contact": "1" * 121}, 422, "invalid_input"),
        ({"slug": "A B"}, 422, "shop.slug_invalid"),
        ({"slug": "ab"}, 422, "shop.slug_invalid"),
        ({"slug": "x" * 49}, 422, "shop.slug_invalid"),
        ({"slug": "../etc"}, 422, "shop.slug_invalid"),
        ({"deposit_fen": "abc"}, 422, "invalid_input"),
        ({"deposit_fen": "1.5"}, 422, "invalid_input"),
        ({"deposit_fen": "true"}, 422, "invalid_input"),
        ({"deposit_fen": "-50000"}, 422, "onboarding.deposit_too_small"),
        ({"deposit_fen": "0"}, 422, "onboarding.deposit_too_small"),
        ({"deposit_fen": "70000"}, 409, "onboarding.wallet_short"),
        ({"deposit_fen": str(2**63 - 1)}, 422, "invalid_input"),  # more than any deposit could be
        ({"identity": None}, 422, "onboarding.needs_document"),
        ({"identity": None, "other": png()}, 422, "onboarding.needs_document"),
        ({"identity": None, "passport": png()}, 422, "onboarding.needs_document"),
        ({"identity": SimpleUploadedFile("id.png", b"", content_type="image/png")}, 415, "onboarding.file_type"),
        ({"identity": SimpleUploadedFile("id.png", b"MZ\x90\x00" * 10)}, 415, "onboarding.file_type"),
        ({"identity": SimpleUploadedFile("id.svg", b"<svg onload=alert(1)>")}, 415, "onboarding.file_type"),
        ({"identity": SimpleUploadedFile("id.txt", "身份证".encode())}, 415, "onboarding.file_type"),
        ({"identity": SimpleUploadedFile("id.pdf", b"%PDF-1.4 broken")}, 422, "onboarding.bad_file"),
        ({"identity": SimpleUploadedFile("id.png", tiny_png()[:30])}, 422, "onboarding.bad_file"),
        ({"identity": SimpleUploadedFile("id.png", tiny_png() + b"PK\x03\x04zip")}, 422, "onboarding.bad_file"),
        ({"identity": [png(f"{i}.png") for i in range(7)]}, 422, "onboarding.too_many_documents"),
    ]
    client = api_client(applicant)

    def check(case):
        overrides, status, code = case
        for f in overrides.values():
            for one in f if isinstance(f, list) else [f]:
                if hasattr(one, "seek"):
                    one.seek(0)
        refused(client.post(APPS, data=application_form(**overrides), content_type=MULTIPART_CONTENT), status, code)

    each(cases, check)


def test_api_apply_deposit_larger_than_any_column(applicant, api_client):
    """deposit_fen is a bare int form field: 10**20 passes the schema and the minimum check and the
    INSERT of ShopApplication.deposit_fen (BigIntegerField) fails."""
    client = api_client(applicant)
    each(
        [str(HUGE), str(2**63)],
        lambda d: refused(client.post(APPS, data=application_form(deposit_fen=d), content_type=MULTIPART_CONTENT)),
    )


def test_api_apply_huge_file_name(applicant, api_client):
    """A 1000-character file name is no reason to fail: it is shortened for display."""
    response = api_client(applicant).post(
        APPS, data=application_form(identity=png("名" * 1000 + ".png")), content_type=MULTIPART_CONTENT
    )
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        assert len(ApplicationDocument.objects.get().original_name) <= 200
    else:
        assert_error(response, 422)
        assert not ShopApplication.objects.exists()


def test_api_apply_not_multipart(applicant, api_client):
    client = api_client(applicant)
    raws = [
        ('{"shop_name": "月光点卡"}', JSON, 422),
        ("garbage", "multipart/form-data", 400),  # no boundary
        ("--x\r\nnot a part", "multipart/form-data; boundary=x", None),
        ("", "multipart/form-data; boundary=x", 422),
        ("shop_name=a", "application/x-www-form-urlencoded", 422),
        ("", "", 422),
    ]
    each(raws, lambda r: refused(client.post(APPS, r[0], content_type=r[1]), r[2]))


@all_cases
def test_api_apply_who(api_client, applicant, merchant, operator, agent, application):
    cases = [(None, 401), (merchant, 403), (operator, 403), (agent, 403), (applicant, 409)]  # 409: already open
    each(
        cases,
        lambda c: refused(
            api_client(c[0]).post(APPS, data=application_form(shop_name="另一家"), content_type=MULTIPART_CONTENT), c[1]
        ),
    )
    refused(api_client().get(APPS), 401, "not_authenticated")


def test_api_application_bad_id(api_client, applicant, operator):
    client, desk = api_client(applicant), api_client(operator)
    calls = [
        lambda i: client.get(f"{APPS}/{i}"),
        lambda i: client.post(f"{APPS}/{i}/withdraw"),
        lambda i: client.post(f"{APPS}/{i}/resubmit", {"note": "x"}, content_type=MULTIPART_CONTENT),
        lambda i: client.get(f"{API}/onboarding/documents/{i}/file"),
        lambda i: desk.get(f"{API}/onboarding/documents/{i}/file"),
        lambda i: desk.post(f"{API}/onboarding/operator/applications/{i}/decision", {"action": "approve"}),
    ]
    each([(n, i) for n in range(len(calls)) for i in BAD_IDS], lambda c: refused(calls[c[0]](c[1]), 422))


def test_api_application_of_someone_else(api_client, other_buyer, merchant, agent, application):
    doc = application.documents.get()

    def check(user):
        stranger = api_client(user)
        refused(stranger.get(f"{APPS}/{application.pk}"), 404, "not_found")
        refused(stranger.post(f"{APPS}/{application.pk}/withdraw"), 404, "not_found")
        refused(stranger.post(f"{APPS}/{application.pk}/resubmit", {"note": "x"}, content_type=MULTIPART_CONTENT), 404)
        refused(stranger.get(f"{API}/onboarding/documents/{doc.pk}/file"), 404, "not_found")
        assert stranger.get(APPS).json() == []

    each([other_buyer, merchant, agent], check)
    refused(api_client().get(f"{API}/onboarding/documents/{doc.pk}/file"), 401, "not_authenticated")


def test_api_resubmit_bad_input(api_client, applicant, asked_more):
    cases = [
        ({}, 422, "invalid_input"),  # neither a note nor a document
        ({"note": "   "}, 422, "invalid_input"),
        ({"note": "长" * 501}, 422, "invalid_input"),
        ({"business": SimpleUploadedFile("lic.png", b"")}, 415, "onboarding.file_type"),
        ({"business": SimpleUploadedFile("lic.exe", b"MZ\x90\x00" * 10)}, 415, "onboarding.file_type"),
        ({"business": SimpleUploadedFile("lic.png", tiny_png()[:20])}, 422, "onboarding.bad_file"),
        ({"note": "x", "other": [png(f"{i}.png") for i in range(6)]}, 422, "onboarding.too_many_documents"),
    ]
    client, url = api_client(applicant), f"{APPS}/{asked_more.pk}/resubmit"
    each(cases, lambda c: refused(client.post(url, c[0], content_type=MULTIPART_CONTENT), c[1], c[2]))


@all_cases
def test_api_resubmit_and_withdraw_in_the_wrong_state(api_client, applicant, application):
    client = api_client(applicant)
    refused(client.post(f"{APPS}/{application.pk}/resubmit", {"note": "x"}, content_type=MULTIPART_CONTENT), 409)
    assert client.post(f"{APPS}/{application.pk}/withdraw").status_code == 200
    each(["withdraw"], lambda a: refused(client.post(f"{APPS}/{application.pk}/{a}"), 409, "onboarding.not_allowed"))


@all_cases
def test_api_decision_bad_input(api_client, applicant, merchant, operator, application):
    desk, url = api_client(operator), f"{API}/onboarding/operator/applications/{application.pk}/decision"
    bodies = [
        ({}, "invalid_input"),
        ({"action": "delete"}, "invalid_input"),
        ({"action": "APPROVE"}, "invalid_input"),
        ({"action": ""}, "invalid_input"),
        ({"action": 1}, "invalid_input"),
        ({"action": ["approve"]}, "invalid_input"),
        ({"action": None}, "invalid_input"),
        ({"action": "resubmit"}, "invalid_input"),
        ({"action": "withdraw"}, "invalid_input"),
        ({"action": "reject"}, "onboarding.reason_required"),
        ({"action": "ask_more", "reason": "   "}, "onboarding.reason_required"),
        ({"action": "reject", "reason": LONG}, "invalid_input"),
        ({"action": "reject", "reason": 5}, "invalid_input"),
        ({"action": "approve", "shop_id": 1}, "invalid_input"),
    ]
    each(bodies, lambda b: refused(desk.post(url, b[0]), 422, b[1]))
    each(RAW_BODIES, lambda raw: refused(desk.post(url, raw[0], content_type=raw[1])))
    roles = [(applicant, 403), (merchant, 403), (None, 401)]
    each(roles, lambda r: refused(api_client(r[0]).post(url, {"action": "approve"}), r[1]))
    refused(desk.post(f"{API}/onboarding/operator/applications/999999/decision", {"action": "approve"}), 404)
    assert desk.post(url, {"action": "approve"}).status_code == 200
    again = [{"action": "approve"}, {"action": "reject", "reason": "x"}, {"action": "ask_more", "reason": "x"}]
    each(again, lambda b: refused(desk.post(url, b), 409, "onboarding.not_allowed"))


@all_cases
def test_api_queue_bad_state_and_roles(api_client, applicant, operator):
    desk = api_client(operator)
    states = ["bogus", "SUBMITTED", "0", "x" * 1000, "approved;drop"]
    each(states, lambda s: refused(desk.get(f"{API}/onboarding/operator/applications", {"state": s}), 422))
    each([applicant, None], lambda u: refused(api_client(u).get(f"{API}/onboarding/operator/applications")))


# === /api/v1/auth: sign-up and verification ===========================================================


@all_cases
def test_api_register_bad_body(api_client, buyer):
    UserFactory(username="taken", email="taken@example.com")
    cases = [
        ({"username": None}, 422, "invalid_input"),
        ({"username": ""}, 422, "invalid_input"),
        ({"username": "   "}, 422, "invalid_input"),
        ({"username": "u" * 151}, 422, "invalid_input"),
        ({"username": 123}, 422, "invalid_input"),
        ({"username": ["newbie"]}, 422, "invalid_input"),
        ({"username": "buyer"}, 409, "auth.username_taken"),
        ({"username": "BUYER"}, 409, "auth.username_taken"),
        ({"email": None}, 422, None),  # neither e-mail nor phone
        ({"email": ""}, 422, None),
        ({"email": "not-an-email"}, 422, "invalid_input"),
        ({"email": "a@b"}, 422, "invalid_input"),
        ({"email": "x" * 250 + "@example.com"}, 422, "invalid_input"),
        ({"email": 5}, 422, "invalid_input"),
        ({"email": "taken@example.com"}, 409, "auth.email_taken"),
        ({"email": "TAKEN@example.com "}, 409, "auth.email_taken"),
        ({"password": None}, 422, "invalid_input"),
        ({"password": ""}, 422, "invalid_input"),
        ({"password": "123"}, 422, "auth.weak_password"),
        ({"password": "p" * 257}, 422, "invalid_input"),
        ({"password": 12345678901}, 422, "invalid_input"),
        ({"answer": None}, 422, "invalid_input"),
        ({"answer": "999"}, 422, "auth.human_check_failed"),
        ({"answer": "abc"}, 422, "auth.human_check_failed"),
        ({"answer": "1" * 11}, 422, "invalid_input"),
        ({"answer": 7}, 422, "invalid_input"),
        ({"challenge": None}, 422, "invalid_input"),
        ({"challenge": "forged"}, 422, "auth.human_check_failed"),
        ({"challenge": "x" * 501}, 422, "invalid_input"),
        ({"challenge": ""}, 422, "auth.human_check_failed"),
        ({"extra": "field", "role": "operator"}, None, None),  # extra keys are ignored or refused; never a role
    ]
    client = api_client()

    def check(case):
        over, status, code = case
        response = client.post(f"{API}/auth/register", sign_up(**over))
        if status is None and response.status_code == 201:
            user = User.objects.get(pk=response.json()["id"])
            assert user.role == Role.BUYER and not user.is_active
            user.delete()
            SignupAttempt.objects.all().delete()
            return
        refused(response, status, code)

    each(cases, check)
    each(RAW_BODIES, lambda raw: refused(client.post(f"{API}/auth/register", raw[0], content_type=raw[1])))


def test_api_register_throttled(api_client, db, settings):
    settings.KAMENG_SIGNUPS_PER_ADDRESS = 1
    SignupAttempt.objects.create(ip="127.0.0.1")
    each([sign_up()], lambda body: refused(api_client().post(f"{API}/auth/register", body), 429, "throttled"))


@all_cases
def test_api_verify_bad_token(api_client, db):
    user = UserFactory(username="waiting", email="w@example.com", is_active=False, awaiting_verification=True)
    good = signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT)
    client = api_client()
    shapes = [{}, {"token": None}, {"token": 5}, {"token": ["x"]}, {"token": "x" * 501}, {"token": good, "more": 1}]
    each(shapes[:-1], lambda b: refused(client.post(f"{API}/auth/verify", b), 422, "invalid_input"))
    forged = [
        "",
        "garbage",
        "a:b:c",
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # tampered signature
        signing.dumps({"u": user.pk, "e": user.email}, salt="another-salt"),
        signing.dumps({"u": user.pk, "e": "other@example.com"}, salt=VERIFY_SALT),
        signing.dumps({"u": HUGE, "e": user.email}, salt=VERIFY_SALT),
        signing.dumps({"u": "abc", "e": user.email}, salt=VERIFY_SALT),
        signing.dumps({"u": -1, "e": user.email}, salt=VERIFY_SALT),
        signing.dumps({"u": [1], "e": user.email}, salt=VERIFY_SALT),
        signing.dumps(["u", user.pk], salt=VERIFY_SALT),
        signing.dumps("text", salt=VERIFY_SALT),
    ]
    each(forged, lambda t: refused(client.post(f"{API}/auth/verify", {"token": t}), 404, "not_found"))
    each(RAW_BODIES, lambda raw: refused(client.post(f"{API}/auth/verify", raw[0], content_type=raw[1])))


@all_cases
def test_api_verify_phone_bad_input(api_client, db):
    client = api_client()
    bodies = [
        {},
        {"phone": "13800000000"},
        {"code": "123456"},
        {"phone": "13800000000", "code": "12345"},
        {"phone": "13800000000", "code": "abcdef"},
        {"phone": "13800000000", "code": 123456},
        {"phone": "13800000000", "code": "1234567"},
        {"phone": "", "code": "123456"},
        {"phone": "1" * 25, "code": "123456"},
        {"phone": None, "code": "123456"},
        {"phone": "abc", "code": "123456"},
    ]
    each(bodies, lambda b: refused(client.post(f"{API}/auth/verify-phone", b), 422))
    unknown = [{"phone": "13800000000", "code": "123456"}, {"phone": "+8613800000000", "code": "000000"}]
    each(unknown, lambda b: refused(client.post(f"{API}/auth/verify-phone", b)))  # no such account waiting
    resend = [{}, {"phone": ""}, {"phone": "abc"}, {"phone": 13800000000}, {"phone": "1" * 25}, {"phone": ["1"]}]
    each(resend, lambda b: refused(client.post(f"{API}/auth/verify-phone/resend", b), 422))
    each(RAW_BODIES, lambda raw: refused(client.post(f"{API}/auth/verify-phone", raw[0], content_type=raw[1])))


# --- NUL and lone surrogates: no store takes them; the timeline refuses them with a 500 ------------------

NUL, SURROGATE = "a\x00b", "a\ud800b"


@pytest.fixture
def text_world(api_client, buyer, merchant, operator, card_product, applicant, penalty):
    """One of everything a text field can be sent to, each still able to take it."""
    done = [orders.confirm_receipt(buyer=buyer, order_id=buy(buyer, card_product).pk) for _ in range(3)]
    reviewed = services.post_review(buyer=buyer, order_id=done[0].pk, **STARS)
    return {"done": done[1:], "review": reviewed, "penalty": penalty}


@all_cases
def test_api_nul_and_lone_surrogates_are_refused(api_client, buyer, merchant, operator, applicant, text_world):
    """A NUL or a lone surrogate in a text field must be a 4xx. PostgreSQL cannot store either and
    the timeline refuses both with ``timeline.invalid_payload``, registered as a 500. Django's form
    fields refuse NUL; the services, fed by ninja schemas and request.POST, do not."""
    order_ids, review_id, penalty_id = (
        [o.pk for o in text_world["done"]],
        text_world["review"].pk,
        text_world["penalty"].pk,
    )
    pen = f"{API}/reviews/penalties/{penalty_id}"
    json_cases = [
        ("review text NUL", buyer, f"{API}/reviews/orders/{order_ids[0]}", {**STARS, "text": NUL}),
        ("review text surrogate", buyer, f"{API}/reviews/orders/{order_ids[1]}", {**STARS, "text": SURROGATE}),
        ("reply NUL", merchant, f"{API}/reviews/{review_id}/reply", {"text": NUL}),
        ("reply surrogate", merchant, f"{API}/reviews/{review_id}/reply", {"text": SURROGATE}),
        ("hide reason NUL", operator, f"{API}/reviews/{review_id}/hide", {"clause": "CLAUSE", "reason": NUL}),
        ("appeal NUL", merchant, f"{pen}/appeal", {"text": NUL}),
        ("appeal surrogate", merchant, f"{pen}/appeal", {"text": SURROGATE}),
        ("register username NUL", None, f"{API}/auth/register", "SIGNUP"),
    ]
    clause = rulebook.in_force().clauses[0].code

    def check(case):
        _label, user, url, body = case
        if body == "SIGNUP":
            body = sign_up(username="new" + NUL)
        body = {k: clause if v == "CLAUSE" else v for k, v in body.items()}
        refused(api_client(user).post(url, body))

    each(json_cases, check)
    form_cases = [("shop_name", "月光" + NUL), ("contact", "QQ" + NUL + "123"), ("description", NUL + "描述" * 10)]
    who = {field: new_applicant(f"nul-{field}") for field, _value in form_cases}  # each free to apply
    each(
        form_cases,
        lambda c: refused(
            api_client(who[c[0]]).post(APPS, data=application_form(**{c[0]: c[1]}), content_type=MULTIPART_CONTENT)
        ),
    )


def test_api_nul_in_operator_and_resubmit_texts(api_client, applicant, operator, asked_more, appealed):
    desk = api_client(operator)
    decide = f"{API}/reviews/penalties/{appealed.pk}/decide"
    cases = [
        ("penalty note NUL", lambda: desk.post(decide, {"uphold": True, "note": NUL})),
        ("penalty note surrogate", lambda: desk.post(decide, {"uphold": True, "note": SURROGATE})),
        (
            "decision reason NUL",
            lambda: desk.post(
                f"{API}/onboarding/operator/applications/{asked_more.pk}/decision", {"action": "reject", "reason": NUL}
            ),
        ),
        (
            "resubmit note NUL",
            lambda: api_client(applicant).post(
                f"{APPS}/{asked_more.pk}/resubmit", {"note": NUL}, content_type=MULTIPART_CONTENT
            ),
        ),
    ]
    each(cases, lambda c: refused(c[1]()))


@all_cases
def test_page_nul_is_refused(login, buyer, merchant, operator, text_world, asked_more):
    """The same through the pages: a refused form is a 4xx page, never a 500 one."""
    order_id, penalty_id = text_world["done"][0].pk, text_world["penalty"].pk
    cases = [
        ("review text", buyer, f"/orders/{order_id}/review/", {**STARS, "text": NUL}),
        ("appeal text", merchant, "/console/dashboard/", {"penalty": penalty_id, "text": NUL}),
        (
            "application reason",
            operator,
            f"/operator/applications/{asked_more.pk}/",
            {"action": "reject", "reason": NUL},
        ),
        ("signup username", None, "/accounts/signup/", "SIGNUP"),
    ]

    def check(case):
        _label, user, url, data = case
        data = sign_up(username="new" + NUL) if data == "SIGNUP" else data
        page_refused(login(user).post(url, data), 409, 422)

    each(cases, check)
    fresh = new_applicant("nul-page")  # the fixture's applicant has an application open
    each(
        ["月光" + NUL, "QQ" + NUL],
        lambda name: page_refused(login(fresh).post("/shops/apply/", application_form(shop_name=name)), 422),
    )


# === pages: reviews and penalties ======================================================================


@all_cases
def test_page_order_review_bad_input(login, buyer, other_buyer, merchant, done_order):
    c, url = login(buyer), f"/orders/{done_order.pk}/review/"
    forms = [
        {},
        {**STARS, "stars_described": "abc"},
        {**STARS, "stars_described": ""},
        {**STARS, "stars_delivery": "0"},
        {**STARS, "stars_service": "6"},
        {**STARS, "stars_service": "-1"},
        {**STARS, "stars_service": str(HUGE)},
        {**STARS, "stars_service": "4.5"},
        {**STARS, "stars_service": "²"},
        {**STARS, "text": LONG},
        {**STARS, "tags": ["bribe"]},
        {**STARS, "tags": ["key_valid"] * 8 + ["bribe"]},
        {"form": "follow_up", "text": "后续"},  # nothing to follow up yet
        {"form": "follow_up", "text": ""},
    ]
    each(forms, lambda f: page_refused(c.post(url, f), 404, 409, 422))
    ids = ["0", "999999", str(HUGE), str(2**63)]
    each(ids, lambda i: page_refused(c.get(f"/orders/{i}/review/"), 404))
    each(ids, lambda i: page_refused(c.post(f"/orders/{i}/review/", STARS), 404))
    who = [(other_buyer, 404), (merchant, 403), (None, 302)]  # 302: to the login page
    each(who, lambda w: page_refused(login(w[0]).post(url, STARS), w[1]))
    each(["put", "delete", "patch"], lambda m: page_refused(getattr(c, m)(url), 405))


@all_cases
def test_page_review_lists_bad_page_and_slug(login, merchant, shop, review):
    anon, mine = Client(), login(merchant)
    pages = [*BAD_PAGES, "-0", "١", "1e3", "%00", "⁵"]
    each(pages, lambda p: page_refused(anon.get(f"/shops/{shop.slug}/reviews/", {"page": p}), 200))
    each(pages, lambda p: page_refused(mine.get("/console/reviews/", {"page": p}), 200))
    each(["no-such-shop", "x" * 65, "-"], lambda s: page_refused(anon.get(f"/shops/{s}/reviews/"), 404))


@pytest.mark.parametrize("method", ["post", "put", "delete", "head"])
def test_page_shop_reviews_other_methods(shop, method):
    """A read-only page: another method is refused (405) or served as a read, never a 500."""
    each([method], lambda m: page_refused(getattr(Client(), m)(f"/shops/{shop.slug}/reviews/"), 200, 405))


def test_page_reply_and_hide_refusals(login, buyer, merchant, other_shop, operator, review):
    clause = rulebook.in_force().clauses[0].code
    reply = f"/console/reviews/{review.pk}/reply/"
    hide = f"/operator/reviews/{review.pk}/hide/"
    cases = [  # refused replies and hidings go back to the list with a message
        (merchant, "post", reply, {}, 302),
        (merchant, "post", reply, {"text": ""}, 302),
        (merchant, "post", reply, {"text": LONG}, 302),
        (other_shop.owner, "post", reply, {"text": "x"}, 302),
        (merchant, "post", "/console/reviews/999999/reply/", {"text": "x"}, 302),
        (merchant, "post", f"/console/reviews/{HUGE}/reply/", {"text": "x"}, 302),
        (merchant, "get", reply, {}, 405),
        (buyer, "post", reply, {"text": "x"}, 403),
        (operator, "post", reply, {"text": "x"}, 403),
        (None, "post", reply, {"text": "x"}, 302),
        (buyer, "get", "/console/reviews/", {}, 403),
        (operator, "post", hide, {}, 302),
        (operator, "post", hide, {"clause": "99.99", "reason": "x"}, 302),
        (operator, "post", hide, {"clause": clause, "reason": ""}, 302),
        (operator, "post", hide, {"clause": clause}, 302),
        (operator, "post", hide, {"clause": clause * 20, "reason": "x"}, 302),
        (operator, "post", f"/operator/reviews/{HUGE}/hide/", {"clause": clause, "reason": "x"}, 302),
        (operator, "get", hide, {}, 405),
        (merchant, "post", hide, {"clause": clause, "reason": "x"}, 403),
        (merchant, "get", "/operator/reviews/", {}, 403),
        (None, "post", hide, {"clause": clause, "reason": "x"}, 302),
    ]
    each(cases, lambda c: page_refused(getattr(login(c[0]), c[1])(c[2], c[3]), c[4]))


PENALTY_VALUES = ["abc", "", "1.5", "-1", "0", str(HUGE), None, "999999", "²"]


def test_page_dashboard_appeal_bad_penalty(login, merchant, penalty):
    c = login(merchant)

    def check(value):
        data = {"text": "供货商问题"} if value is None else {"penalty": value, "text": "供货商问题"}
        page_refused(c.post("/console/dashboard/", data), 404, 422)

    each(PENALTY_VALUES, check)


@all_cases
def test_page_dashboard_appeal_refusals(login, buyer, merchant, other_shop, penalty):
    texts = ["", "   ", "长" * 2001]
    each(
        texts,
        lambda t: page_refused(login(merchant).post("/console/dashboard/", {"penalty": penalty.pk, "text": t}), 422),
    )
    who = [(other_shop.owner, 404), (buyer, 403), (None, 302)]
    each(
        who, lambda w: page_refused(login(w[0]).post("/console/dashboard/", {"penalty": penalty.pk, "text": "x"}), w[1])
    )
    page_refused(login(merchant).put("/console/dashboard/"), 405)


def test_page_operator_decides_bad_penalty(login, operator, appealed):
    c = login(operator)

    def check(value):
        data = {"decision": "uphold", "note": "属实"}
        if value is not None:
            data["penalty"] = value
        page_refused(c.post("/operator/penalties/", data), 404, 422)

    each(PENALTY_VALUES, check)


@all_cases
def test_page_operator_decides_refusals(login, merchant, operator, appealed):
    notes = ["", " ", "长" * 501]
    each(
        notes,
        lambda n: page_refused(
            login(operator).post("/operator/penalties/", {"penalty": appealed.pk, "decision": "x", "note": n}), 422
        ),
    )
    who = [(merchant, "post", 403), (merchant, "get", 403), (None, "post", 302), (operator, "put", 405)]
    each(who, lambda w: page_refused(getattr(login(w[0]), w[1])("/operator/penalties/", {}), w[2]))


# === pages: shop applications ==========================================================================


@all_cases
def test_page_apply_bad_form(login, applicant):
    c = login(applicant)
    cases = [
        {"identity": None},
        {"shop_name": ""},
        {"shop_name": "店" * 65},
        {"category": "weapons"},
        {"contact": ""},
        {"description": "长" * 4001},
        {"slug": "UPPER CASE"},
        {"deposit_yuan": "abc"},
        {"deposit_yuan": "-1"},
        {"deposit_yuan": "1e5"},
        {"deposit_yuan": "0"},
        {"deposit_yuan": "1.234"},
        {"deposit_yuan": "9" * 30},
        {"deposit_yuan": "700"},  # more than the wallet holds
        {"deposit_yuan": "²"},
        {"identity": SimpleUploadedFile("id.png", b"")},
        {"identity": SimpleUploadedFile("id.exe", b"MZ\x90\x00" * 10)},
        {"identity": SimpleUploadedFile("id.png", tiny_png()[:30])},
        {"identity": [png(f"{i}.png") for i in range(7)]},
    ]
    each(cases, lambda o: page_refused(c.post("/shops/apply/", application_form(**o)), 409, 413, 415, 422))
    each(["garbage"], lambda body: page_refused(c.post("/shops/apply/", body, content_type="multipart/form-data"), 400))


@all_cases
def test_page_apply_who(login, merchant, operator, application, applicant):
    cases = [(merchant, 403), (operator, 403), (applicant, 409), (None, 302)]
    each(cases, lambda w: page_refused(login(w[0]).post("/shops/apply/", application_form(shop_name="另一家")), w[1]))
    page_refused(login(applicant).put("/shops/apply/"), 405)


def test_page_resubmit_withdraw_document_refusals(login, applicant, other_buyer, asked_more):
    doc = asked_more.documents.get()
    stranger, mine = login(other_buyer), login(applicant)
    cases = [  # refusals go back to the applicant's page with a message
        (stranger, "post", f"/shops/apply/{asked_more.pk}/resubmit/", {"note": "x"}, 302),
        (stranger, "post", f"/shops/apply/{asked_more.pk}/withdraw/", {}, 302),
        (stranger, "get", f"/shops/apply/documents/{doc.pk}/", {}, 404),
        (Client(), "get", f"/shops/apply/documents/{doc.pk}/", {}, 302),
        (mine, "get", f"/shops/apply/documents/{HUGE}/", {}, 404),
        (mine, "get", "/shops/apply/documents/0/", {}, 404),
        (mine, "post", f"/shops/apply/{HUGE}/withdraw/", {}, 302),
        (mine, "post", f"/shops/apply/{HUGE}/resubmit/", {"note": "x"}, 302),
        (mine, "get", f"/shops/apply/{asked_more.pk}/withdraw/", {}, 405),
        (mine, "get", f"/shops/apply/{asked_more.pk}/resubmit/", {}, 405),
        (mine, "post", f"/shops/apply/{asked_more.pk}/resubmit/", {}, 302),
        (mine, "post", f"/shops/apply/{asked_more.pk}/resubmit/", {"note": "长" * 501}, 302),
        (mine, "post", f"/shops/apply/{asked_more.pk}/resubmit/", {"business": SimpleUploadedFile("x.png", b"")}, 302),
        (
            mine,
            "post",
            f"/shops/apply/{asked_more.pk}/resubmit/",
            {"business": SimpleUploadedFile("x", b"MZ" * 9)},
            302,
        ),
        (mine, "post", f"/shops/apply/{asked_more.pk}/resubmit/", {"passport": png()}, 302),
    ]
    each(cases, lambda c: page_refused(getattr(c[0], c[1])(c[2], c[3]), c[4]))


@all_cases
def test_page_operator_application_refusals(login, applicant, operator, application):
    desk, url = login(operator), f"/operator/applications/{application.pk}/"
    bad = [{}, {"action": "delete"}, {"action": "reject"}, {"action": "reject", "reason": LONG}, {"action": "resubmit"}]
    each(bad, lambda d: page_refused(desk.post(url, d), 422))
    cases = [
        (desk, "post", "/operator/applications/999999/", {"action": "approve"}, 404),
        (desk, "get", f"/operator/applications/{HUGE}/", {}, 404),
        (desk, "put", url, {}, 405),
        (login(applicant), "post", url, {"action": "approve"}, 403),
        (login(applicant), "get", "/operator/applications/", {}, 403),
        (Client(), "post", url, {"action": "approve"}, 302),
    ]
    each(cases, lambda c: page_refused(getattr(c[0], c[1])(c[2], c[3]), c[4]))
    each(
        ["bogus", "x" * 1000, "", "approved'"],
        lambda s: page_refused(desk.get("/operator/applications/", {"state": s}), 200),
    )


# === pages: sign-up and verification ===================================================================


@all_cases
def test_page_signup_bad_form(buyer):
    cases = [
        {"username": None},
        {"username": "u" * 151},
        {"username": "new\x00bie"},
        {"username": "buyer"},
        {"email": "not-an-email"},
        {"email": "x" * 250 + "@example.com"},
        {"email": None},
        {"email": "a@example.com", "phone": "13800000000"},  # both
        {"email": None, "phone": "abc"},
        {"password": "123"},
        {"password": "p" * 257},
        {"answer": "999"},
        {"answer": "1" * 11},
        {"challenge": "forged"},
        {"challenge": None},
        {"website": "http://spam.example"},
    ]
    each(cases, lambda o: page_refused(Client().post("/accounts/signup/", sign_up(**o)), 409, 422))
    page_refused(Client().put("/accounts/signup/"), 405)
    each(
        ["garbage"],
        lambda b: page_refused(Client().post("/accounts/signup/", b, content_type="multipart/form-data"), 400, 422),
    )


@all_cases
def test_page_verify_bad_token(db):
    tokens = ["garbage", "x" * 2000, "a:b:c", signing.dumps({"u": HUGE, "e": "x@example.com"}, salt=VERIFY_SALT)]
    each(tokens, lambda t: page_refused(Client().post(f"/accounts/verify/{t}/"), 404))
    each(tokens, lambda t: page_refused(Client().get(f"/accounts/verify/{t}/"), 200))  # a button; confirms nothing
    page_refused(Client().post("/accounts/verify/%00/"), 422)  # a NUL in the path: refused before any view
    page_refused(Client().get("/accounts/verify/%00/"), 422)
    each(tokens[:1], lambda t: page_refused(Client().put(f"/accounts/verify/{t}/"), 405))


@all_cases
def test_page_verify_phone_bad_form(db):
    forms = [
        {},
        {"phone": "abc", "code": "123456"},
        {"phone": "1" * 25, "code": "123456"},
        {"phone": "13800000000", "code": "12"},
        {"phone": "13800000000", "code": "abcdef"},
        {"phone": "13800000000", "code": "1234567"},
        {"phone": "13800000000", "code": "123456"},  # no account waiting on this number
        {"phone": "abc", "action": "resend"},
    ]
    each(forms, lambda f: page_refused(Client().post("/accounts/verify/phone/", f), 404, 410, 422))
    each(["x" * 5000, "%00"], lambda p: page_refused(Client().get("/accounts/verify/phone/", {"phone": p}), 200))

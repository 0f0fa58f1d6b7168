"""Shop applications (入驻申请, rule 10.1): apply with documents and a deposit from the wallet,
operator review (approve / reject / ask for more), readable shop addresses. Every refusal writes
nothing; the deposit is never created or destroyed."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kameng.accounts.models import Role
from kameng.core.errors import DomainError
from kameng.ledger.models import AccountKind, LedgerAccount
from kameng.ledger.selectors import check_ledger
from kameng.ledger.services import get_or_create_account, transfer
from kameng.onboarding import selectors, services
from kameng.onboarding.models import ApplicationDocument, ShopApplication
from kameng.onboarding.transitions import TRANSITIONS
from kameng.shops.models import Shop
from kameng.timeline.selectors import events_of, verify_stream
from tests.factories import ShopFactory, UserFactory
from tests.helpers import publish_rules

DEPOSIT = 50_000  # the rulebook default (shop_deposit_min_fen)
_tops = itertools.count(1)


def tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def doc(kind: str = "identity", data: bytes | None = None, name: str = "id.png") -> services.Document:
    return services.Document(kind, SimpleUploadedFile(name, data if data is not None else tiny_png()))


def fund(user, amount_fen: int) -> None:
    transfer(
        source=f"test-topup:{user.pk}:{next(_tops)}",
        from_account=get_or_create_account(kind=AccountKind.GATEWAY_CLEARING),
        to_account=get_or_create_account(kind=AccountKind.BUYER_WALLET, owner_id=user.pk),
        amount_fen=amount_fen,
    )


def wallet(user) -> int:
    account = LedgerAccount.objects.filter(kind=AccountKind.BUYER_WALLET, owner_id=user.pk).first()
    return account.balance_fen if account else 0


def apply(user, **overrides) -> ShopApplication:
    fields = {
        "shop_name": "星辰卡铺",
        "description": "Steam 点卡与游戏充值，全天自动发货。",
        "category": "game_card",
        "contact": "QQ 10001",
        "documents": [doc()],
    }
    fields.update(overrides)
    return services.submit_application(applicant=user, **fields)


def snapshot():
    return (
        list(ShopApplication.objects.values_list("pk", "state")),
        ApplicationDocument.objects.count(),
        list(LedgerAccount.objects.order_by("pk").values_list("key", "balance_fen")),
        Shop.objects.count(),
    )


@pytest.fixture
def applicant(db):
    user = UserFactory(role=Role.BUYER, username="applicant")
    fund(user, 80_000)
    return user


def test_apply_holds_the_deposit_and_an_operator_approves(applicant, operator):
    application = apply(applicant)
    assert application.state == "submitted"
    assert wallet(applicant) == 30_000
    held = LedgerAccount.objects.get(kind=AccountKind.APPLICATION_DEPOSIT, owner_id=application.pk)
    assert held.balance_fen == DEPOSIT
    assert application.documents.get().content_type == "image/png"
    assert list(selectors.queue(operator=operator)) == [application]

    approved = services.decide_application(operator=operator, application_id=application.pk, action="approve")
    applicant.refresh_from_db()
    assert approved.state == "approved" and applicant.role == Role.MERCHANT
    shop = Shop.objects.get(owner=applicant)
    assert approved.shop == shop
    assert shop.slug == "xingchenkapu"  # readable: pinyin of 星辰卡铺, not shop-47a8d9
    held.refresh_from_db()
    assert held.balance_fen == 0
    assert LedgerAccount.objects.get(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=shop.pk).balance_fen == DEPOSIT
    assert [e.kind for e in events_of(stream=application.stream)] == [
        "application.submitted",
        "application.approved",
    ]
    assert verify_stream(application.stream) == []
    assert check_ledger().ok
    assert list(selectors.queue(operator=operator)) == []


def test_reject_needs_a_reason_and_returns_the_whole_deposit(applicant, operator):
    application = apply(applicant)
    with pytest.raises(DomainError) as exc:
        services.decide_application(operator=operator, application_id=application.pk, action="reject", reason=" ")
    assert exc.value.code == "onboarding.reason_required"
    rejected = services.decide_application(
        operator=operator, application_id=application.pk, action="reject", reason="证件模糊"
    )
    assert rejected.state == "rejected" and rejected.decision_reason == "证件模糊"
    assert wallet(applicant) == 80_000
    applicant.refresh_from_db()
    assert applicant.role == Role.BUYER and not Shop.objects.filter(owner=applicant).exists()
    # A decided application takes no further decision, and a new application may be made.
    with pytest.raises(DomainError) as exc:
        services.decide_application(operator=operator, application_id=application.pk, action="approve")
    assert exc.value.code == "onboarding.not_allowed"
    assert apply(applicant).state == "submitted"


def test_ask_for_more_then_resubmit_then_approve(applicant, operator):
    application = apply(applicant)
    services.decide_application(
        operator=operator, application_id=application.pk, action="ask_more", reason="请上传营业执照"
    )
    application.refresh_from_db()
    assert application.state == "more_info"
    assert list(selectors.queue(operator=operator)) == []
    with pytest.raises(DomainError) as exc:  # not while the applicant is being asked
        services.decide_application(operator=operator, application_id=application.pk, action="approve")
    assert exc.value.code == "onboarding.not_allowed"
    services.resubmit_application(
        applicant=applicant, application_id=application.pk, note="已补充", documents=[doc("business")]
    )
    application.refresh_from_db()
    assert application.state == "submitted" and application.documents.count() == 2
    services.decide_application(operator=operator, application_id=application.pk, action="approve")
    assert [e.kind for e in events_of(stream=application.stream)] == [
        "application.submitted",
        "application.more_info",
        "application.resubmitted",
        "application.approved",
    ]


def test_withdraw_returns_the_deposit(applicant):
    application = apply(applicant)
    services.withdraw_application(applicant=applicant, application_id=application.pk)
    assert wallet(applicant) == 80_000
    with pytest.raises(DomainError) as exc:
        services.withdraw_application(applicant=applicant, application_id=application.pk)
    assert exc.value.code == "onboarding.not_allowed"
    assert wallet(applicant) == 80_000
    assert check_ledger().ok


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"shop_name": ""}, "invalid_input"),
        ({"description": "短"}, "invalid_input"),
        ({"category": "weapons"}, "invalid_input"),
        ({"contact": ""}, "invalid_input"),
        ({"deposit_fen": DEPOSIT - 1}, "onboarding.deposit_too_small"),
        ({"deposit_fen": 90_000}, "onboarding.wallet_short"),
        ({"documents": []}, "onboarding.needs_document"),
        ({"documents": [doc("other")]}, "onboarding.needs_document"),
        ({"documents": [doc(data=b"\x89PNG\r\n\x1a\n truncated", name="id.png")]}, "onboarding.bad_file"),
        ({"documents": [doc(data=b"<html><script>x</script>", name="id.html")]}, "onboarding.file_type"),
        ({"documents": [doc() for _ in range(7)]}, "onboarding.too_many_documents"),
        ({"slug": "Bad Slug!"}, "shop.slug_invalid"),
        ({"slug": "operator"}, "shop.slug_invalid"),
    ],
)
def test_bad_applications_are_refused_and_write_nothing(applicant, overrides, code):
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        apply(applicant, **overrides)
    assert exc.value.code == code
    assert snapshot() == before


def test_who_may_apply(db, applicant, merchant, operator, product):
    with pytest.raises(DomainError) as exc:
        apply(merchant)
    assert exc.value.code == "onboarding.not_a_buyer"
    apply(applicant)
    with pytest.raises(DomainError) as exc:  # one open application at a time
        apply(applicant, shop_name="另一家店")
    assert exc.value.code == "onboarding.already_open"
    # A buyer who has bought keeps those orders as a buyer: that account cannot become a merchant.
    from kameng.orders.services import place_order
    from kameng.orders.tests.conftest import load_keys

    shopper = UserFactory(role=Role.BUYER, username="shopper")
    fund(shopper, 100_000)
    product.price_fen = 100
    product.save()
    load_keys(product, 1)
    place_order(buyer=shopper, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key="r1")
    with pytest.raises(DomainError) as exc:
        apply(shopper)
    assert exc.value.code == "onboarding.account_has_orders"


def test_taken_names_and_addresses(applicant, operator):
    ShopFactory(name="Taken", slug="xingchenkapu")
    application = apply(applicant)  # the name is free; its pinyin address is not
    services.decide_application(operator=operator, application_id=application.pk, action="approve")
    slug = Shop.objects.get(owner=applicant).slug
    assert slug.startswith("xingchenkapu-") and len(slug) == len("xingchenkapu-") + 6
    other = UserFactory(role=Role.BUYER, username="second")
    fund(other, DEPOSIT)
    for overrides, code in (({"shop_name": "taken"}, "shop.name_taken"), ({"slug": "xingchenkapu"}, "shop.slug_taken")):
        with pytest.raises(DomainError) as exc:
            apply(other, shop_name=overrides.get("shop_name", "新店"), slug=overrides.get("slug", ""))
        assert exc.value.code == code
    chosen = apply(other, shop_name="月光小店", slug="moonlight")
    services.decide_application(operator=operator, application_id=chosen.pk, action="approve")
    assert Shop.objects.get(owner=other).slug == "moonlight"


def test_the_rulebook_sets_the_smallest_deposit(applicant, operator):
    publish_rules(shop_deposit_min_fen=20_000)
    application = apply(applicant)
    assert application.deposit_fen == 20_000 and wallet(applicant) == 60_000
    bigger = UserFactory(role=Role.BUYER, username="bigger")
    fund(bigger, 100_000)
    assert apply(bigger, shop_name="大店", deposit_fen=100_000).deposit_fen == 100_000


def test_documents_are_seen_by_the_applicant_and_operators_only(applicant, operator, other_buyer, merchant, agent):
    application = apply(applicant)
    document = application.documents.get()
    assert selectors.document_for(user=applicant, document_id=document.pk) == document
    assert selectors.document_for(user=operator, document_id=document.pk) == document
    for stranger in (other_buyer, merchant, agent):
        with pytest.raises(DomainError) as exc:
            selectors.document_for(user=stranger, document_id=document.pk)
        assert exc.value.code == "not_found"
        with pytest.raises(DomainError):
            selectors.application_for(user=stranger, application_id=application.pk)
    with pytest.raises(DomainError) as exc:
        services.decide_application(operator=agent, application_id=application.pk, action="approve")
    assert exc.value.code == "auth.role_required"


def test_the_table_is_what_the_services_do():
    assert set(TRANSITIONS) == {
        ("submitted", "approve"),
        ("submitted", "reject"),
        ("submitted", "ask_more"),
        ("more_info", "reject"),
        ("more_info", "resubmit"),
        ("submitted", "withdraw"),
        ("more_info", "withdraw"),
    }

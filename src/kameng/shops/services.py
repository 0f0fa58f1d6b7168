"""Every write to shops: the shop itself, its status and certification, and its contact channel.

Lock order (see docs/concurrency.md): user → shop → conversation.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from kameng.accounts.models import Role, User
from kameng.accounts.permissions import require_role
from kameng.core.errors import DomainError
from kameng.core.text import check_name, check_text
from kameng.shops.models import Conversation, Message, Shop, ShopStatus, ShopStatusChange
from kameng.shops.transitions import action_for

NAME_MAX = 64
DESCRIPTION_MAX = 4000
REASON_MAX = 500
MESSAGE_MAX = 2000
# Paths under /api/v1/shops/ and /shops/ that a slug must never shadow.
RESERVED_SLUGS = {"mine", "conversations", "operator", "new", "admin", "apply"}


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise DomainError("invalid_input", fields={"name": "required"})
    name = " ".join(name.split())
    if len(name) > NAME_MAX:
        raise DomainError("invalid_input", fields={"name": f"at most {NAME_MAX} characters"})
    return check_name(name, "name")


def _clean_description(description: object) -> str:
    if not isinstance(description, str):
        raise DomainError("invalid_input", fields={"description": "text"})
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise DomainError("invalid_input", fields={"description": f"at most {DESCRIPTION_MAX} characters"})
    return check_text(description, "description")


def _clean_reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise DomainError("invalid_input", fields={"reason": "required"})
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise DomainError("invalid_input", fields={"reason": f"at most {REASON_MAX} characters"})
    return check_text(reason, "reason")


def _name_taken(name: str, *, exclude_id: int | None = None) -> bool:
    qs = Shop.objects.filter(name__iexact=name)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,46}[a-z0-9])")


def readable_slug(name: str) -> str:
    """The address a name reads as: Chinese in pinyin without tones (星辰卡铺 → xingchenkapu),
    Latin letters and digits kept, everything else a dash."""
    from pypinyin import lazy_pinyin, load_phrases_dict

    # In a card shop 发卡 is "issuing cards" (fā kǎ), not a hairpin (fà qiǎ).
    load_phrases_dict({"发卡": [["fā"], ["kǎ"]]})
    return slugify("".join(lazy_pinyin(name)))[:48].strip("-")


def clean_slug(slug: object) -> str:
    """A chosen address: 3–48 lower-case letters, digits and dashes, not one of ours, not taken."""
    text = slug.strip().lower() if isinstance(slug, str) else ""
    if not SLUG.fullmatch(text) or text in RESERVED_SLUGS:
        raise DomainError("shop.slug_invalid", fields={"slug": "3-48 of a-z, 0-9 and -"})
    if Shop.objects.filter(slug=text).exists():
        raise DomainError("shop.slug_taken", fields={"slug": "taken"})
    return text


def _slug_for(name: str) -> str:
    """A readable slug from the name; a taken one (or a name with nothing readable) gets a short
    random suffix."""
    base = readable_slug(name)
    if len(base) >= 3 and base not in RESERVED_SLUGS and not Shop.objects.filter(slug=base).exists():
        return base
    prefix = base or "shop"
    while True:
        candidate = f"{prefix}-{secrets.token_hex(3)}"
        if not Shop.objects.filter(slug=candidate).exists():
            return candidate


def check_new_shop(*, name: object, description: object, slug: object = "") -> tuple[str, str, str]:
    """Name, description and chosen address of a shop to be opened (an application), cleaned and
    checked against the shops there are; changes nothing."""
    clean_name, clean_description = _clean_name(name), _clean_description(description)
    if _name_taken(clean_name):
        raise DomainError("shop.name_taken", fields={"name": "taken"})
    return clean_name, clean_description, clean_slug(slug) if slug else ""


def create_shop(*, merchant: User, name: str, description: str = "", slug: str = "") -> Shop:
    """Open the merchant's one shop, at the chosen ``slug`` or one read from the name. Two
    simultaneous calls for one merchant: the user row lock makes the second wait and then see the
    first shop."""
    require_role(merchant, Role.MERCHANT)
    name = _clean_name(name)
    description = _clean_description(description)
    chosen = clean_slug(slug) if slug else ""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=merchant.pk).first()
        if Shop.objects.filter(owner=merchant).exists():
            raise DomainError("shop.already_exists")
        if _name_taken(name):
            raise DomainError("shop.name_taken", fields={"name": "taken"})
        try:
            with transaction.atomic():
                shop = Shop.objects.create(
                    owner=merchant, name=name, slug=chosen or _slug_for(name), description=description
                )
        except IntegrityError as exc:
            # Another merchant took the name (or the slug) between our check and our insert.
            if Shop.objects.filter(owner=merchant).exists():
                raise DomainError("shop.already_exists") from exc
            raise DomainError("shop.name_taken", fields={"name": "taken"}) from exc
    return shop


def update_shop(*, merchant: User, name: str | None = None, description: str | None = None) -> Shop:
    """The owner edits name and description. The slug stays, so links keep working."""
    require_role(merchant, Role.MERCHANT)
    clean_name = _clean_name(name) if name is not None else None
    clean_description = _clean_description(description) if description is not None else None
    with transaction.atomic():
        shop = Shop.objects.select_for_update().filter(owner=merchant).first()
        if shop is None:
            raise DomainError("shop.no_shop")
        if clean_name is not None and clean_name != shop.name:
            if _name_taken(clean_name, exclude_id=shop.pk):
                raise DomainError("shop.name_taken", fields={"name": "taken"})
            shop.name = clean_name
        if clean_description is not None:
            shop.description = clean_description
        try:
            with transaction.atomic():
                shop.save(update_fields=["name", "description"])
        except IntegrityError as exc:
            raise DomainError("shop.name_taken", fields={"name": "taken"}) from exc
    return shop


def change_shop_status(*, operator: User, shop_id: int, to_status: str, reason: str) -> Shop:
    """Apply one transition of the table in shops.transitions and record it."""
    require_role(operator, Role.OPERATOR)
    if not 1 <= shop_id <= 2**53:
        raise DomainError("not_found")
    reason = _clean_reason(reason)
    with transaction.atomic():
        shop = Shop.objects.select_for_update().filter(pk=shop_id).first()
        if shop is None:
            raise DomainError("not_found")
        action_for(from_status=shop.status, to_status=to_status, role=operator.role)
        from_status = shop.status
        shop.status = to_status
        shop.status_reason = reason
        shop.save(update_fields=["status", "status_reason"])
        ShopStatusChange.objects.create(
            shop=shop, from_status=from_status, to_status=to_status, reason=reason, changed_by=operator
        )
    return shop


SEVERITY = {ShopStatus.ACTIVE: 0, ShopStatus.WARNED: 1, ShopStatus.FROZEN: 2, ShopStatus.BANNED: 3}


def _imposed_by_rule(shop: Shop, status: str, *, before: ShopStatusChange | None = None) -> ShopStatusChange | None:
    """The rule's change that put the shop in ``status`` (the newest change into it that made the
    shop stricter), or None when an operator put it there. A rule's lifting back to a status it
    found does not count: it only restored what was there."""
    changes = shop.status_changes.filter(to_status=status).exclude(from_status=F("to_status"))
    if before is not None:
        changes = changes.filter(at__lte=before.at).exclude(pk=before.pk)
    for change in changes:
        if change.changed_by_id is not None:
            return None
        if SEVERITY[change.to_status] > SEVERITY[change.from_status]:
            return change
    return None


def set_status_by_rule(*, shop_id: int, to_status: str, reason: str) -> Shop | None:
    """An automatic penalty (4.5, 10.6) warns or freezes a shop, or lifts what a rule set, with no
    operator involved. A rule only ever makes an active or warned shop stricter, and only lifts a
    status a rule set (an operator's warning or freeze stays until an operator lifts it). Returns
    None when nothing changes."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        shop = Shop.objects.select_for_update().filter(pk=shop_id).first()
        if shop is None or shop.status == to_status:
            return None
        if SEVERITY[to_status] > SEVERITY[shop.status]:
            if shop.status not in (ShopStatus.ACTIVE, ShopStatus.WARNED):
                return None
        else:
            imposed = _imposed_by_rule(shop, shop.status)
            if imposed is None:
                return None
            # Never below where the rule found the shop, when an operator had put it there.
            floor = imposed.from_status
            if SEVERITY[floor] > SEVERITY[to_status] and _imposed_by_rule(shop, floor, before=imposed) is None:
                to_status = floor
        if shop.status == to_status:
            return None
        action_for(from_status=shop.status, to_status=to_status, role="system")
        from_status = shop.status
        shop.status = to_status
        shop.status_reason = reason
        shop.save(update_fields=["status", "status_reason"])
        ShopStatusChange.objects.create(
            shop=shop, from_status=from_status, to_status=to_status, reason=reason, changed_by=None
        )
    return shop


def set_trust(
    *, shop_id: int, trust_score: int | None, trust_reviews: int, is_gold: bool, shows_certified: bool, at: datetime
) -> None:
    """What ``kameng.reputation`` concluded for the shop (10.4, 10.5), for search and the badges."""
    Shop.objects.filter(pk=shop_id).update(
        trust_score=trust_score,
        trust_reviews=trust_reviews,
        is_gold=is_gold,
        shows_certified=shows_certified,
        trust_updated_at=at,
    )


def set_penalty_flags(*, shop_id: int, demoted: bool, payouts_frozen: bool) -> None:
    """What the shop's open penalties (10.6) mean for search and payouts."""
    Shop.objects.filter(pk=shop_id).exclude(demoted=demoted, payouts_frozen=payouts_frozen).update(
        demoted=demoted, payouts_frozen=payouts_frozen
    )


def deposit_holds(shop: Shop) -> bool:
    from kameng.ledger.models import AccountKind
    from kameng.ledger.selectors import balance_of
    from kameng.rulebook.selectors import in_force

    need = in_force().params["certified_min_deposit_fen"]
    return balance_of(kind=AccountKind.MERCHANT_DEPOSIT, owner_id=shop.pk) >= need


def set_shop_certification(*, operator: User, shop_id: int, certified: bool, reason: str) -> Shop:
    """平台认证商家: grant or withdraw, with the time it was granted; every change is recorded."""
    require_role(operator, Role.OPERATOR)
    if not 1 <= shop_id <= 2**53:
        raise DomainError("not_found")
    if not isinstance(certified, bool):
        raise DomainError("invalid_input", fields={"certified": "true or false"})
    reason = _clean_reason(reason)
    with transaction.atomic():
        shop = Shop.objects.select_for_update().filter(pk=shop_id).first()
        if shop is None:
            raise DomainError("not_found")
        shop.certified = certified
        shop.certified_at = timezone.now() if certified else None
        # The badge shows while the deposit holds too (10.5); reputation keeps it in step later.
        shop.shows_certified = certified and deposit_holds(shop)
        shop.save(update_fields=["certified", "certified_at", "shows_certified"])
        ShopStatusChange.objects.create(
            shop=shop,
            from_status=shop.status,
            to_status=shop.status,
            certified=certified,
            reason=reason,
            changed_by=operator,
        )
    return shop


# --- the contact channel -------------------------------------------------------------------------


def _clean_body(body: object) -> str:
    if not isinstance(body, str) or not body.strip():
        raise DomainError("invalid_input", fields={"body": "required"})
    body = body.strip()
    if len(body) > MESSAGE_MAX:
        raise DomainError("invalid_input", fields={"body": f"at most {MESSAGE_MAX} characters"})
    return check_text(body, "body")


def _post(conversation: Conversation, sender: User, body: str) -> Message:
    now = timezone.now()
    message = Message.objects.create(conversation=conversation, sender=sender, body=body, created_at=now)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    conversation.last_message_at = now
    return message


def contact_shop(*, buyer: User, shop_id: int, body: str) -> tuple[Conversation, Message]:
    """A buyer writes to a shop: opens their one conversation with it, or continues it.

    A banned shop takes no new conversations; an existing one can continue, so a buyer who was
    already talking to the shop is not cut off from an answer."""
    require_role(buyer, Role.BUYER)
    body = _clean_body(body)
    with transaction.atomic():
        shop = Shop.objects.filter(pk=shop_id).first()
        if shop is None:
            raise DomainError("not_found")
        conversation = Conversation.objects.select_for_update().filter(shop=shop, buyer=buyer).first()
        if conversation is None:
            if not shop.can_be_contacted:
                raise DomainError("shop.contact_closed")
            try:
                with transaction.atomic():
                    conversation = Conversation.objects.create(shop=shop, buyer=buyer)
            except IntegrityError:
                # The same buyer opened it from another tab a moment ago: continue that one.
                conversation = Conversation.objects.select_for_update().get(shop=shop, buyer=buyer)
        message = _post(conversation, buyer, body)
    return conversation, message


def _conversation_for_update(*, user: User, conversation_id: int) -> Conversation:
    """Lock a conversation the user takes part in (its buyer, or its shop's owner); else not_found."""
    require_role(user, Role.BUYER, Role.MERCHANT)
    if not 1 <= conversation_id <= 2**53:
        raise DomainError("not_found")
    qs = Conversation.objects.select_for_update().select_related("shop")
    if user.role == Role.BUYER:
        qs = qs.filter(buyer=user)
    else:
        qs = qs.filter(shop__owner=user)
    conversation = qs.filter(pk=conversation_id).first()
    if conversation is None:
        raise DomainError("not_found")
    return conversation


def send_message(*, user: User, conversation_id: int, body: str) -> Message:
    """The buyer continues, or the merchant replies in, a conversation they belong to."""
    body = _clean_body(body)
    with transaction.atomic():
        conversation = _conversation_for_update(user=user, conversation_id=conversation_id)
        return _post(conversation, user, body)


def mark_conversation_read(*, user: User, conversation_id: int) -> int:
    """Mark the other party's messages read; returns how many were newly marked."""
    with transaction.atomic():
        conversation = _conversation_for_update(user=user, conversation_id=conversation_id)
        return (
            Message.objects.filter(conversation=conversation, read_at__isnull=True)
            .exclude(sender=user)
            .update(read_at=timezone.now())
        )

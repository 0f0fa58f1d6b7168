"""Shops API: public shop pages, the merchant's own shop, operator actions and the contact channel.
Handlers only parse, call one service or selector, and shape the answer."""

from __future__ import annotations

from ninja import Path, Query, Router, Schema

from kameng.accounts.auth import api_auth
from kameng.core.errors import DomainError
from kameng.shops import selectors, services
from kameng.shops.schemas import (
    CertificationIn,
    ConversationDetailOut,
    ConversationOut,
    MessageIn,
    MessageOut,
    OperatorShopOut,
    ReadOut,
    ShopIn,
    ShopOut,
    ShopPatch,
    StartConversationIn,
    StatusChangeOut,
    StatusIn,
)

router = Router(tags=["shops"])
MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps SQLite from overflowing


def _id():
    return Path(..., ge=1, le=MAX_ID)


class OperatorFilter(Schema):
    status: str | None = None
    q: str = ""


def _message_out(message, user) -> dict:
    return {
        "id": message.id,
        "sender_id": message.sender_id,
        "mine": message.sender_id == user.pk,
        "body": message.body,
        "created_at": message.created_at,
        "read_at": message.read_at,
    }


# --- the merchant's own shop (declared before /{slug} so "mine" is not read as a slug) -------------


@router.get("/mine", auth=api_auth, response=ShopOut, summary="My shop (merchant)")
def my_shop(request):
    shop = selectors.shop_of_merchant(user=request.auth)
    if shop is None:
        raise DomainError("shop.no_shop")
    return shop


@router.post("/mine", auth=api_auth, response={201: ShopOut}, summary="Open my shop (merchant)")
def create_my_shop(request, payload: ShopIn):
    return 201, services.create_shop(merchant=request.auth, name=payload.name, description=payload.description)


@router.patch("/mine", auth=api_auth, response=ShopOut, summary="Edit my shop (merchant)")
def update_my_shop(request, payload: ShopPatch):
    return services.update_shop(merchant=request.auth, **payload.dict(exclude_unset=True))


# --- operator -----------------------------------------------------------------------------------


@router.get("/operator/shops", auth=api_auth, response=list[OperatorShopOut], summary="All shops (operator)")
def operator_list(request, filters: Query[OperatorFilter]):
    return list(selectors.shops_for_operator(user=request.auth, status=filters.status, q=filters.q[:64]))


@router.get(
    "/operator/shops/{shop_id}/history",
    auth=api_auth,
    response=list[StatusChangeOut],
    summary="A shop's status and certification history (operator)",
)
def operator_history(request, shop_id: int = _id()):
    shop = selectors.shop_for_operator(user=request.auth, shop_id=shop_id)
    return list(selectors.status_history(shop=shop))


@router.post("/operator/shops/{shop_id}/status", auth=api_auth, response=OperatorShopOut, summary="Change status")
def operator_change_status(request, shop_id: int = _id(), *, payload: StatusIn):
    return services.change_shop_status(
        operator=request.auth, shop_id=shop_id, to_status=payload.status, reason=payload.reason
    )


@router.post(
    "/operator/shops/{shop_id}/certification", auth=api_auth, response=OperatorShopOut, summary="Certify or not"
)
def operator_certify(request, shop_id: int = _id(), *, payload: CertificationIn):
    return services.set_shop_certification(
        operator=request.auth, shop_id=shop_id, certified=payload.certified, reason=payload.reason
    )


# --- conversations ----------------------------------------------------------------------------------


@router.get("/conversations", auth=api_auth, response=list[ConversationOut], summary="My conversations / inbox")
def list_conversations(request):
    return list(selectors.conversations_of(user=request.auth)[:200])


@router.post("/conversations", auth=api_auth, response={201: ConversationDetailOut}, summary="Write to a shop")
def start_conversation(request, payload: StartConversationIn):
    conversation, _message = services.contact_shop(buyer=request.auth, shop_id=payload.shop_id, body=payload.body)
    return 201, _detail(request.auth, conversation.pk)


def _detail(user, conversation_id: int):
    conversation = selectors.conversation_for(user=user, conversation_id=conversation_id)
    conversation.thread = [_message_out(m, user) for m in selectors.messages_of(conversation=conversation)]
    return conversation


@router.get("/conversations/{conversation_id}", auth=api_auth, response=ConversationDetailOut, summary="One thread")
def get_conversation(request, conversation_id: int = _id()):
    return _detail(request.auth, conversation_id)


@router.post(
    "/conversations/{conversation_id}/messages", auth=api_auth, response={201: MessageOut}, summary="Send a message"
)
def send_message(request, conversation_id: int = _id(), *, payload: MessageIn):
    message = services.send_message(user=request.auth, conversation_id=conversation_id, body=payload.body)
    return 201, _message_out(message, request.auth)


@router.post("/conversations/{conversation_id}/read", auth=api_auth, response=ReadOut, summary="Mark as read")
def mark_read(request, conversation_id: int = _id()):
    return {"marked": services.mark_conversation_read(user=request.auth, conversation_id=conversation_id)}


# --- public -------------------------------------------------------------------------------------------


@router.get("/{slug}", response=ShopOut, summary="A shop's public profile")
def public_shop(request, slug: str):
    return selectors.shop_by_slug(slug=slug)

"""/api/v1/inventory: card-key import, batches, key listing and revocation, operator lookup.

Thin: parse, call one service or selector, shape. Rules and permissions live below."""

from django.conf import settings
from ninja import File, Form, Query, Router, Schema, UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from kameng.core.errors import DomainError
from kameng.inventory import selectors, services
from kameng.inventory.models import CardKeyStatus
from kameng.inventory.schemas import (
    BatchSummaryOut,
    CardKeyOut,
    ImportBatchOut,
    ImportTextIn,
    LookupIn,
    LookupOut,
    RevokeIn,
    RevokeOut,
    StatusCountsOut,
)

router = Router(tags=["inventory"])


@router.post("/imports", response={201: ImportBatchOut}, summary="Import card keys from pasted text")
def import_text(request, payload: ImportTextIn):
    return 201, services.import_card_keys(user=request.auth, product_id=payload.product_id, text=payload.text)


@router.post("/imports/upload", response={201: ImportBatchOut}, summary="Import card keys from a CSV/TXT file")
def import_file(request, product_id: Form[int], file: File[UploadedFile]):
    if product_id < 1:
        raise DomainError("invalid_input", fields={"product_id": "must be a positive id"})
    # Read one byte past the limit at most: the service then refuses it as too large.
    data = file.read(settings.KAMENG_IMPORT_MAX_BYTES + 1)
    return 201, services.import_card_keys(user=request.auth, product_id=product_id, data=data, filename=file.name or "")


class BatchFilter(Schema):
    product_id: int | None = None


@router.get("/imports", response=list[BatchSummaryOut], summary="My import batches, newest first")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def list_batches(request, filters: Query[BatchFilter]):
    return selectors.batches_of(user=request.auth, product_id=filters.product_id)


@router.get("/imports/{batch_id}", response=ImportBatchOut, summary="One import batch with its report")
def get_batch(request, batch_id: int):
    return selectors.batch_of(user=request.auth, batch_id=batch_id)


class KeyFilter(Schema):
    product_id: int | None = None
    status: CardKeyStatus | None = None


@router.get("/keys", response=list[CardKeyOut], summary="My card keys (metadata only), filtered, paginated")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
def list_keys(request, filters: Query[KeyFilter]):
    return selectors.keys_of(user=request.auth, product_id=filters.product_id, status=filters.status)


@router.get("/keys/counts", response=StatusCountsOut, summary="How many of my card keys are in each status")
def key_counts(request, filters: Query[BatchFilter]):
    return selectors.status_counts(user=request.auth, product_id=filters.product_id)


@router.post("/keys/revoke", response=RevokeOut, summary="Revoke my unsold card keys")
def revoke_keys(request, payload: RevokeIn):
    return {"revoked": services.revoke_card_keys(user=request.auth, key_ids=payload.key_ids)}


# POST, not GET: a code must not end up in URLs, proxy logs or browser history.
@router.post("/lookup", response=LookupOut, summary="Operator: which shop/product holds this code")
def lookup(request, payload: LookupIn):
    return selectors.lookup_code(user=request.auth, code=payload.code)

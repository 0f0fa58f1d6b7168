"""The one registry of domain error codes.

Services raise ``DomainError("code", ...)``; the API turns it into
``{"error": {"code", "message", "fields"}}`` with the registered HTTP status, and pages show the
message. Codes are stable (clients match on them); messages go through gettext.
Each domain keeps its codes in its own section below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    message: Promise | str


ERRORS: dict[str, ErrorSpec] = {
    # --- generic ------------------------------------------------------------------------------
    "invalid_input": ErrorSpec(422, _("Some of the input is invalid.")),
    "bad_request": ErrorSpec(400, _("The request could not be understood.")),
    "not_authenticated": ErrorSpec(401, _("Please log in first.")),
    "permission_denied": ErrorSpec(403, _("You are not allowed to do that.")),
    "csrf_failed": ErrorSpec(403, _("The form expired or came from elsewhere. Reload the page and try again.")),
    "not_found": ErrorSpec(404, _("Not found.")),
    "method_not_allowed": ErrorSpec(405, _("This method is not allowed here.")),
    "conflict": ErrorSpec(409, _("The request conflicts with the current state. Reload and try again.")),
    "payload_too_large": ErrorSpec(413, _("The request is too large.")),
    "uri_too_long": ErrorSpec(414, _("The address is too long.")),
    "headers_too_large": ErrorSpec(431, _("The request headers are too large.")),
    "throttled": ErrorSpec(429, _("Too many requests. Wait a moment and try again.")),
    "internal_error": ErrorSpec(500, _("Something went wrong on our side. Nothing was changed.")),
    # --- accounts -----------------------------------------------------------------------------
    "auth.invalid_credentials": ErrorSpec(401, _("Wrong username or password.")),
    "auth.locked_out": ErrorSpec(429, _("Too many failed logins. Try again in %(minutes)s minutes.")),
    "auth.inactive": ErrorSpec(403, _("This account is disabled.")),
    "auth.username_taken": ErrorSpec(409, _("This username is already taken.")),
    "auth.weak_password": ErrorSpec(422, _("The password is too weak.")),
    "auth.email_taken": ErrorSpec(409, _("An account with this e-mail address already exists.")),
    "auth.human_check_failed": ErrorSpec(
        422, _("The answer to the check question was wrong or too late. Try the new one.")
    ),
    "auth.email_unverified": ErrorSpec(403, _("Confirm your e-mail address first: follow the link we sent you.")),
    "auth.phone_unverified": ErrorSpec(403, _("Confirm your mobile number first: enter the code we texted you.")),
    "auth.phone_taken": ErrorSpec(409, _("An account with this mobile number already exists.")),
    "auth.contact_required": ErrorSpec(422, _("Give an e-mail address or a mobile number (one of them).")),
    "auth.code_wrong": ErrorSpec(422, _("That code is not right. %(left)s tries left.")),
    "auth.code_expired": ErrorSpec(
        410,
        _("This code has expired or was tried too often. Ask for a new one and enter it within %(minutes)s minutes."),
    ),
    "auth.code_too_soon": ErrorSpec(429, _("A code was just sent. Wait %(seconds)s seconds before asking again.")),
    "auth.token_invalid": ErrorSpec(401, _("The API token is invalid, expired or revoked.")),
    "auth.role_required": ErrorSpec(403, _("This needs the role: %(role)s.")),
    # --- ledger -------------------------------------------------------------------------------
    "ledger.unbalanced": ErrorSpec(500, _("A journal entry did not balance; nothing was posted.")),
    "ledger.empty_entry": ErrorSpec(500, _("A journal entry had no amounts; nothing was posted.")),
    "ledger.non_positive_amount": ErrorSpec(422, _("The amount must be at least 1 fen.")),
    "ledger.insufficient_funds": ErrorSpec(409, _("Not enough balance for this payment.")),
    # --- payments -----------------------------------------------------------------------------
    "payments.invalid_amount": ErrorSpec(422, _("Enter an amount in yuan with at most two decimals.")),
    "payments.amount_out_of_range": ErrorSpec(422, _("A top-up must be between %(min)s and %(max)s.")),
    "payments.unknown_gateway": ErrorSpec(422, _("This payment method is not available.")),
    "payments.no_gateway": ErrorSpec(409, _("Top-ups are not available: this platform has no payment method set up.")),
    "payments.notification_rejected": ErrorSpec(400, _("The payment notification was rejected.")),
    "payments.transition_not_allowed": ErrorSpec(409, _("A payment cannot go from %(from_status)s by %(action)s.")),
    # --- timeline -----------------------------------------------------------------------------
    "timeline.invalid_stream": ErrorSpec(500, _("An event was written to an invalid stream name.")),
    "timeline.invalid_kind": ErrorSpec(500, _("An event had an invalid kind.")),
    "timeline.invalid_payload": ErrorSpec(500, _("An event's details could not be recorded: %(reason)s")),
    "timeline.immutable": ErrorSpec(500, _("Timeline events can never be changed or deleted.")),
    # --- shops --------------------------------------------------------------------------------
    "shop.already_exists": ErrorSpec(409, _("This merchant already has a shop.")),
    "shop.name_taken": ErrorSpec(409, _("A shop with this name already exists.")),
    "shop.not_active": ErrorSpec(409, _("This shop is frozen or banned and cannot do that now.")),
    "shop.invalid_status": ErrorSpec(422, _("Unknown shop status.")),
    "shop.transition_not_allowed": ErrorSpec(409, _("A shop cannot go from %(from_status)s to %(to_status)s.")),
    "shop.no_shop": ErrorSpec(409, _("Create your shop first.")),
    "shop.slug_invalid": ErrorSpec(422, _("A shop address is 3 to 48 lower-case letters, digits and dashes.")),
    "shop.slug_taken": ErrorSpec(409, _("Another shop already has this address.")),
    "shop.contact_closed": ErrorSpec(409, _("This shop is banned and cannot be contacted.")),
    # --- catalog ------------------------------------------------------------------------------
    "catalog.invalid_price": ErrorSpec(422, _("Prices and face values are whole fen, at least 1.")),
    "catalog.invalid_quantity_limits": ErrorSpec(
        422, _("The per-order quantity limits must satisfy 1 ≤ minimum ≤ maximum.")
    ),
    "catalog.invalid_required_field": ErrorSpec(422, _("A required buyer field is not valid.")),
    "catalog.product_not_available": ErrorSpec(409, _("This product is not on sale.")),
    "catalog.delisted": ErrorSpec(
        409, _("This product was delisted under clause %(clause)s; it returns when its figures recover.")
    ),
    "catalog.invalid_field_definitions": ErrorSpec(422, _("The list of required buyer fields is not valid.")),
    "catalog.delivery_kind_locked": ErrorSpec(
        409, _("This product still has card keys in stock; revoke them before changing the delivery kind.")
    ),
    # --- inventory ----------------------------------------------------------------------------
    "inventory.not_card_key_product": ErrorSpec(
        422, _("Card keys can only be loaded into products delivered by card key.")
    ),
    "inventory.import_too_large": ErrorSpec(413, _("The import is larger than %(limit)s.")),
    "inventory.import_too_many_lines": ErrorSpec(413, _("The import has more than %(limit)s lines.")),
    "inventory.import_empty": ErrorSpec(422, _("The import contains no card keys.")),
    "inventory.import_bad_encoding": ErrorSpec(
        422, _("The file is not readable text. Save it as UTF-8 or GB18030 and try again.")
    ),
    "inventory.key_not_revocable": ErrorSpec(409, _("Only unsold card keys can be revoked.")),
    "inventory.reveal_forbidden": ErrorSpec(403, _("Only the buyer of this card key can see it.")),
    "inventory.keyring_error": ErrorSpec(500, _("The card-key keyring is missing or damaged.")),
    "inventory.out_of_stock": ErrorSpec(409, _("Not enough card keys in stock.")),
    # --- suppliers ----------------------------------------------------------------------------
    "suppliers.invalid_request": ErrorSpec(422, _("The top-up request for the supplier is not valid.")),
    "suppliers.ref_conflict": ErrorSpec(409, _("A different top-up was already sent under this reference.")),
    # --- orders -------------------------------------------------------------------------------
    "orders.invalid_transition": ErrorSpec(409, _("This order cannot do “%(action)s” while it is “%(state)s”.")),
    "orders.idempotency_key_required": ErrorSpec(
        422, _("Send an Idempotency-Key header (1–100 visible characters) so a retry never buys twice.")
    ),
    "orders.idempotency_mismatch": ErrorSpec(422, _("This Idempotency-Key was already used for a different order.")),
    "orders.quantity_out_of_range": ErrorSpec(422, _("Buy between %(min)s and %(max)s of this product per order.")),
    "orders.payment_window_passed": ErrorSpec(409, _("The time to pay for this order has passed.")),
    "orders.not_revealable": ErrorSpec(409, _("This card key has not been delivered to you yet.")),
    "orders.key_refunded": ErrorSpec(409, _("This card key was refunded to you, so it can no longer be shown.")),
    "orders.refund_final": ErrorSpec(
        409,
        _("This refund is final: the card keys it paid back are no longer the buyer's, so it cannot be taken back."),
    ),
    "orders.nothing_to_confirm": ErrorSpec(409, _("Nothing delivered is waiting for your confirmation.")),
    "orders.not_manual": ErrorSpec(409, _("Only manual-delivery orders are delivered by hand.")),
    "orders.new_account_limit": ErrorSpec(
        409, _("An account younger than %(days)s days may place orders of at most %(max)s (rule 10.3).")
    ),
    "orders.terms_not_accepted": ErrorSpec(
        422, _("Confirm that you have read the shop's usage rules, region notes and refund policy.")
    ),
    "orders.payout_too_small": ErrorSpec(422, _("A payout must be at least %(min)s fen.")),
    "orders.payouts_frozen": ErrorSpec(409, _("Payouts of this shop are frozen.")),
    "orders.payout_method_invalid": ErrorSpec(422, _("Choose where the payout goes: Alipay or a bank card.")),
    "orders.alipay_account_invalid": ErrorSpec(
        422, _("An Alipay account is a mainland mobile number or an email address.")
    ),
    "orders.bank_card_invalid": ErrorSpec(422, _("A bank card number has 16 to 19 digits.")),
    "orders.payout_already_decided": ErrorSpec(409, _("This payout was already decided: %(state)s.")),
    # --- rulebook -----------------------------------------------------------------------------
    "rulebook.unknown_clause": ErrorSpec(404, _("The rulebook has no clause %(clause)s.")),
    "rulebook.unknown_param": ErrorSpec(422, _("“%(name)s” is not a rulebook parameter.")),
    "rulebook.param_out_of_range": ErrorSpec(422, _("%(name)s must be a whole number from %(min)s to %(max)s.")),
    "rulebook.missing_clause": ErrorSpec(422, _("Clause %(clause)s is required and cannot be removed.")),
    "rulebook.bad_placeholder": ErrorSpec(
        422, _("Clause %(clause)s: “%(name)s” is not a rulebook parameter; placeholders are {parameter_name}.")
    ),
    "rulebook.invalid_clause": ErrorSpec(422, _("Clause %(clause)s is not valid: %(reason)s")),
    "rulebook.immutable": ErrorSpec(500, _("A published rulebook version can never be changed.")),
    # --- after-sales --------------------------------------------------------------------------
    "aftersales.order_not_eligible": ErrorSpec(409, _("This order has nothing an after-sales case could cover.")),
    "aftersales.window_passed": ErrorSpec(
        409, _("The time to open a case for this order has passed (%(hours)s hours, rule %(clause)s).")
    ),
    "aftersales.case_already_open": ErrorSpec(
        409, _("This order already has an open after-sales case (rule %(clause)s).")
    ),
    "aftersales.problem_closed": ErrorSpec(
        409,
        _(
            "This problem was already closed for this item (case %(case)s, rule %(clause)s): "
            "a withdrawn case or a final ruling cannot be raised again."
        ),
    ),
    "aftersales.duplicate_already_returned": ErrorSpec(
        409,
        _(
            "The duplicate payment (%(amount)s) was already returned to your wallet when it was captured "
            "(rule %(clause)s): there is nothing left to claim."
        ),
    ),
    "aftersales.out_of_order": ErrorSpec(
        409,
        _(
            "The platform steps in after the merchant has refused, an offer was declined or the "
            "merchant's deadline passed (rule %(clause)s)."
        ),
    ),
    "aftersales.not_allowed": ErrorSpec(409, _("“%(action)s” is not possible while the case is: %(state)s.")),
    "aftersales.same_agent": ErrorSpec(409, _("An appeal is decided by a different agent (rule %(clause)s).")),
    "aftersales.bad_amount": ErrorSpec(422, _("%(field)s must be a whole number of fen from %(min)s to %(max)s.")),
    "aftersales.amount_too_large": ErrorSpec(422, _("At most %(max)s fen can still be refunded on this order.")),
    "aftersales.keys_not_replaceable": ErrorSpec(
        409, _("These card keys cannot be replaced (already replaced, or not a card-key order).")
    ),
    "aftersales.guarantee_fund_short": ErrorSpec(
        409, _("The guarantee fund cannot cover this payment now. An operator has to top it up.")
    ),
    "aftersales.case_closed": ErrorSpec(409, _("This case is closed.")),
    "aftersales.too_many_files": ErrorSpec(422, _("At most %(max)s files per message.")),
    "aftersales.file_too_large": ErrorSpec(413, _("A file is larger than %(max)s bytes.")),
    "aftersales.file_type": ErrorSpec(
        415, _("Only images (PNG, JPEG, GIF, WebP), short videos (MP4, WebM) and plain text files are accepted.")
    ),
    "aftersales.image_too_large": ErrorSpec(422, _("An image may have at most %(max)s pixels.")),
    "aftersales.bad_file": ErrorSpec(422, _("The file could not be read as the type it claims to be.")),
    "aftersales.bad_name": ErrorSpec(422, _("A file name must not contain a path or control characters.")),
    # --- onboarding (shop applications, 10.1) ---------------------------------------------------
    "onboarding.not_allowed": ErrorSpec(409, _("A shop application that is %(state)s cannot do %(action)s.")),
    "onboarding.already_open": ErrorSpec(409, _("You already have a shop application under review.")),
    "onboarding.not_a_buyer": ErrorSpec(403, _("Only a buyer account can apply to open a shop.")),
    "onboarding.account_has_orders": ErrorSpec(
        409, _("This account has bought before; its orders stay a buyer's. Apply with a new account.")
    ),
    "onboarding.deposit_too_small": ErrorSpec(422, _("The deposit must be at least %(min)s.")),
    "onboarding.wallet_short": ErrorSpec(409, _("Your wallet holds %(have)s; the deposit needs %(need)s.")),
    "onboarding.needs_document": ErrorSpec(422, _("Upload an identity document or a business licence.")),
    "onboarding.too_many_documents": ErrorSpec(422, _("An application takes at most %(max)s documents.")),
    "onboarding.reason_required": ErrorSpec(422, _("Say why, so the applicant knows what to do.")),
    "onboarding.file_type": ErrorSpec(415, _("A document must be an image (PNG, JPEG, GIF, WebP) or a PDF.")),
    "onboarding.file_too_large": ErrorSpec(413, _("The file is larger than %(max)s bytes.")),
    "onboarding.image_too_large": ErrorSpec(422, _("An image may have at most %(max)s pixels.")),
    "onboarding.bad_file": ErrorSpec(422, _("The file could not be read as the type it claims to be.")),
    "onboarding.bad_name": ErrorSpec(422, _("A file name must not contain a path or control characters.")),
    # --- reviews (10.2) -------------------------------------------------------------------------
    "reviews.not_completed": ErrorSpec(409, _("An order can be reviewed once it is confirmed or auto-confirmed.")),
    "reviews.window_over": ErrorSpec(409, _("Reviews are taken within %(days)s days.")),
    "reviews.already_reviewed": ErrorSpec(409, _("This order has already been reviewed.")),
    "reviews.already_followed_up": ErrorSpec(409, _("This review already has its follow-up.")),
    "reviews.no_closed_case": ErrorSpec(
        409, _("A follow-up review comes after an after-sales case on the order ends.")
    ),
    "reviews.already_replied": ErrorSpec(409, _("The shop has already replied to this review.")),
    "reviews.already_hidden": ErrorSpec(409, _("This review is already hidden.")),
    "reviews.unknown_clause": ErrorSpec(422, _("Cite a clause of the rulebook in force.")),
    # --- automatic penalties (10.6) -------------------------------------------------------------
    "penalties.not_allowed": ErrorSpec(409, _("This penalty cannot do that now (it is %(state)s).")),
    "penalties.already_appealed": ErrorSpec(409, _("A penalty is appealed once.")),
    # --- evidence -----------------------------------------------------------------------------
    "evidence.immutable": ErrorSpec(500, _("Evidence is never deleted; it can only be marked withdrawn.")),
    "evidence.file_type": ErrorSpec(
        415, _("Evidence must be an image (PNG, JPEG, GIF, WebP), a short video (MP4, WebM), a PDF or a text file.")
    ),
    "evidence.file_too_large": ErrorSpec(413, _("The file is larger than %(max)s bytes.")),
    "evidence.too_many_files": ErrorSpec(422, _("A case takes at most %(max)s evidence files from each party.")),
    "evidence.image_too_large": ErrorSpec(422, _("An image may have at most %(max)s pixels.")),
    "evidence.bad_file": ErrorSpec(422, _("The file could not be read as the type it claims to be.")),
    "evidence.bad_name": ErrorSpec(422, _("A file name must not contain a path or control characters.")),
    "evidence.case_closed": ErrorSpec(409, _("Evidence can no longer be added to this case.")),
    "evidence.already_withdrawn": ErrorSpec(409, _("This evidence is already marked withdrawn.")),
    "evidence.not_sealed": ErrorSpec(409, _("This record has not been sealed yet. Try again after the next seal.")),
    "evidence.timestamp_failed": ErrorSpec(502, _("The time-stamping authority did not answer correctly.")),
    "evidence.bad_bundle": ErrorSpec(422, _("This is not an evidence bundle Kameng can read.")),
    # --- knowledge (售后知识库) ---------------------------------------------------------------
    "knowledge.not_allowed": ErrorSpec(409, _("This article cannot do that now (it is %(state)s).")),
    "knowledge.slug_taken": ErrorSpec(409, _("An article with this address already exists.")),
    "knowledge.stale": ErrorSpec(
        409, _("Someone saved this article after you opened it. Reload it and make your change again.")
    ),
    # --- self-check wizards (aftersales stage 1) --------------------------------------------
    "selfcheck.invalid_wizard": ErrorSpec(422, _("The self-check cannot be saved: %(reason)s")),
    "selfcheck.no_wizard": ErrorSpec(404, _("There is no self-check for this problem type.")),
    "selfcheck.run_finished": ErrorSpec(409, _("This self-check has already ended.")),
    "selfcheck.wrong_step": ErrorSpec(409, _("This question is no longer the current one. Reload the self-check.")),
    "selfcheck.run_mismatch": ErrorSpec(422, _("This self-check was for another order or problem type.")),
    "selfcheck.version_conflict": ErrorSpec(
        409, _("Someone saved version %(version)s of this self-check meanwhile. Reload and edit that one.")
    ),
    # --- search ---------------------------------------------------------------------------------
    "search.empty_query": ErrorSpec(422, _("Type something to search for.")),
    "search.query_too_long": ErrorSpec(422, _("A search is at most %(max)s characters.")),
    "search.bad_query": ErrorSpec(422, _("The search contains characters that cannot be searched.")),
    "search.bad_document": ErrorSpec(422, _("A search document is not valid: %(reason)s")),
    "search.synonyms_invalid": ErrorSpec(
        422, _("A synonym group needs 2 to %(max)s different terms of 1 to %(len)s characters.")
    ),
    "search.synonym_term_taken": ErrorSpec(409, _("“%(term)s” is already in another synonym group.")),
    "search.synonym_group_not_found": ErrorSpec(404, _("This synonym group does not exist.")),
    # --- community (用户社群) -------------------------------------------------------------------
    "community.rate_limited": ErrorSpec(
        429, _("You have posted %(count)s times in the last hour, the most allowed for now. Try again later.")
    ),
    "community.own_post": ErrorSpec(409, _("You cannot vote on your own post.")),
    "community.locked": ErrorSpec(409, _("This question is locked: no new answers, votes or changes.")),
    "community.not_asker": ErrorSpec(403, _("Only the person who asked may accept an answer.")),
    "community.report_open": ErrorSpec(409, _("You have already reported this post; a moderator will look at it.")),
    "community.moderation_not_allowed": ErrorSpec(409, _("A post that is %(state)s cannot be %(action)s.")),
    "community.unknown_article": ErrorSpec(422, _("There is no published article %(slug)s.")),
    "community.consent_required": ErrorSpec(
        422, _("Tick the box to agree that an anonymised summary of your case is shown to everyone.")
    ),
    "community.case_not_closed": ErrorSpec(409, _("Only a case that has ended can be shared.")),
    "community.case_already_shared": ErrorSpec(409, _("This case is already shared on a post.")),
    "community.not_author": ErrorSpec(403, _("Only the author of this post may do that.")),
    # --- triage (problem type from the buyer's words) -----------------------------------------
    "triage.description_empty": ErrorSpec(422, _("Describe the problem in a few words first.")),
    "triage.description_too_long": ErrorSpec(422, _("The description is too long: at most %(max)s characters.")),
}


class DomainError(Exception):
    """A refusal with a stable machine code. Raise it before anything is written, or inside the
    atomic block so the write is rolled back."""

    def __init__(
        self,
        code: str,
        message: str | Promise | None = None,
        *,
        fields: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        if code not in ERRORS:
            raise KeyError(f"unregistered error code {code!r}; add it to kameng.core.errors.ERRORS")
        self.code = code
        self.spec = ERRORS[code]
        self._message = message
        self.fields = {k: str(v) for k, v in (fields or {}).items()}
        self.params = params
        super().__init__(code)

    @property
    def status(self) -> int:
        return self.spec.status

    @property
    def message(self) -> str:
        template = self._message if self._message is not None else self.spec.message
        text = str(template)
        return text % self.params if self.params else text

    def as_payload(self) -> dict[str, Any]:
        return error_payload(self.code, self.message, self.fields)


def error_payload(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def payload_for(code: str, *, fields: dict[str, str] | None = None, **params: Any) -> tuple[int, dict]:
    err = DomainError(code, fields=fields, **params)
    return err.status, err.as_payload()

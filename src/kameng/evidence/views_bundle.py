"""The evidence bundle download (a party of the case), the public trust anchors a bundle is checked
against (/evidence/keys/: the platform's seal key and TSA certificates, for anyone), and the
operator's evidence dashboard (/operator/evidence/: last seal, last audit, buttons to seal or audit
now). Thin: parse, call one function, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kameng.accounts.models import Role
from kameng.accounts.permissions import login_required, role_required
from kameng.aftersales.selectors import case_for
from kameng.core.errors import DomainError
from kameng.core.files import protect_download
from kameng.evidence import audit, bundle, tsa
from kameng.evidence.verify import sha256_hex

MAX_ID = 2**53  # larger ids cannot exist


def bundle_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return protect_download(response)


@login_required
@require_GET
def download_bundle(request: HttpRequest, case_id: int) -> HttpResponse:
    if not 1 <= case_id <= MAX_ID:
        raise DomainError("not_found")
    case = case_for(request.user, case_id)
    return bundle_response(bundle.build_bundle(user=request.user, case_id=case.pk), bundle.bundle_name(case))


def _pem_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"  # keys change rarely; a rotation shows soon
    return response


@require_GET
def trust_keys(request: HttpRequest) -> HttpResponse:
    """Public: what a bundle's seals must verify against, with fingerprints to compare."""
    keys = [{"pem": pem, "fingerprint": tsa.key_fingerprint(pem)} for pem in tsa.published_seal_keys()]
    ca = tsa.published_tsa_ca()
    context = {"keys": keys, "tsa_ca": ca, "tsa_ca_sha256": sha256_hex(ca.encode("utf-8")) if ca else ""}
    return render(request, "evidence/keys.html", context)


@require_GET
def seal_key_pem(request: HttpRequest) -> HttpResponse:
    return _pem_response("".join(tsa.published_seal_keys()), "seal-ed25519.pem")


@require_GET
def tsa_ca_pem(request: HttpRequest) -> HttpResponse:
    ca = tsa.published_tsa_ca()
    if not ca:
        raise DomainError("not_found")  # no TSA configured: seals are signed with the platform key
    return _pem_response(ca, "tsa-ca.pem")


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "audit":
            run = audit.run_audit()
            if run.ok:
                messages.success(request, _("Audit finished: everything checks out."))
            else:
                messages.error(request, _("Audit finished: %(count)s problem(s) found.") % {"count": len(run.problems)})
        elif action == "seal":
            from kameng.evidence.sealing import seal_now

            try:
                seal = seal_now()
            except (DomainError, ValueError, OSError) as err:  # a TSA that does not answer, a bad key file
                messages.error(request, _("Sealing failed: %(reason)s") % {"reason": err})
            else:
                if seal is None:
                    messages.info(request, _("Nothing changed since the last seal."))
                else:
                    messages.success(request, _("Sealed %(count)s chain head(s).") % {"count": seal.leaf_count})
        else:
            raise DomainError("invalid_input", fields={"action": "audit or seal"})
        return redirect("evidence:dashboard")
    return render(request, "evidence/dashboard.html", audit.status())

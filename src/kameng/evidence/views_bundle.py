"""The evidence bundle download (a party of the case) and the operator's evidence dashboard
(/operator/evidence/: last seal, last audit, buttons to seal or audit now). Thin: parse, call one
function, render."""

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
from kameng.evidence import audit, bundle

MAX_ID = 2**53  # larger ids cannot exist


def bundle_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download_bundle(request: HttpRequest, case_id: int) -> HttpResponse:
    if not 1 <= case_id <= MAX_ID:
        raise DomainError("not_found")
    case = case_for(request.user, case_id)
    return bundle_response(bundle.build_bundle(user=request.user, case_id=case.pk), bundle.bundle_name(case))


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

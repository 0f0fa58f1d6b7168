"""Pages for this domain."""

from django.shortcuts import render

from kameng.accounts.models import Role
from kameng.accounts.permissions import role_required


@role_required(Role.MERCHANT)
def console(request):
    return render(request, "core/placeholder.html", {})

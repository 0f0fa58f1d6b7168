"""Pages for this domain."""

from django.shortcuts import render


def browse(request):
    return render(request, "catalog/browse.html", {})


def console_products(request):
    return render(request, "core/placeholder.html", {})

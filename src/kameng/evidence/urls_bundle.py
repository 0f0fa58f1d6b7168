"""The bundle download and the operator dashboard, included by evidence/urls.py (so named
evidence:bundle, evidence:dashboard)."""

from django.urls import path

from kameng.evidence import views_bundle

urlpatterns = [
    path("cases/<int:case_id>/evidence/bundle.zip", views_bundle.download_bundle, name="bundle"),
    path("operator/evidence/", views_bundle.dashboard, name="dashboard"),
]

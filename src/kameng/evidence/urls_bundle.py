"""The bundle download, the public trust anchors and the operator dashboard, included by
evidence/urls.py (so named evidence:bundle, evidence:keys, evidence:seal_key_pem,
evidence:tsa_ca_pem, evidence:dashboard)."""

from django.urls import path

from kameng.evidence import views_bundle

urlpatterns = [
    path("cases/<int:case_id>/evidence/bundle.zip", views_bundle.download_bundle, name="bundle"),
    path("evidence/keys/", views_bundle.trust_keys, name="keys"),
    path("evidence/keys/seal-ed25519.pem", views_bundle.seal_key_pem, name="seal_key_pem"),
    path("evidence/keys/tsa-ca.pem", views_bundle.tsa_ca_pem, name="tsa_ca_pem"),
    path("operator/evidence/", views_bundle.dashboard, name="dashboard"),
]

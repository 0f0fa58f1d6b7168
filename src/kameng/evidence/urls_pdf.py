"""The PDF downloads, included by evidence/urls.py (so named evidence:complaint_pdf, ...)."""

from django.urls import path

from kameng.evidence import views_pdf

urlpatterns = [
    path("cases/<int:case_id>/evidence/complaint.pdf", views_pdf.complaint, name="complaint_pdf"),
    path("cases/<int:case_id>/evidence/court-list.pdf", views_pdf.court_list, name="court_list_pdf"),
]

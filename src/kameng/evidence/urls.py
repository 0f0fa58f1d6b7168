from django.urls import include, path

from kameng.evidence import views

app_name = "evidence"
urlpatterns = [
    path("cases/<int:case_id>/evidence/", views.case_evidence, name="case_evidence"),
    path("cases/<int:case_id>/evidence/upload/", views.upload, name="upload"),
    path("cases/<int:case_id>/evidence/<int:item_id>/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<int:case_id>/evidence/<int:item_id>/file/", views.item_file, name="file"),
    # Bundle downloads and dashboards (E3), complaint and court-list PDFs (E4).
    path("", include("kameng.evidence.urls_bundle")),
    path("", include("kameng.evidence.urls_pdf")),
]

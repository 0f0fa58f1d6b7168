from django.urls import path

from kameng.onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("shops/apply/", views.apply, name="apply"),
    path("shops/apply/<int:application_id>/resubmit/", views.resubmit, name="resubmit"),
    path("shops/apply/<int:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("shops/apply/documents/<int:document_id>/", views.document, name="document"),
    path("operator/applications/", views.operator_queue, name="operator_queue"),
    path("operator/applications/<int:application_id>/", views.operator_application, name="operator_application"),
]

from django.urls import path

from kameng.triage import views

app_name = "triage"
urlpatterns = [
    path("triage/orders/<int:order_id>/suggest/", views.suggest, name="suggest"),
]

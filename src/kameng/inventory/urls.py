from django.urls import path

from kameng.inventory import views

app_name = "inventory"
urlpatterns = [
    path("console/inventory/", views.console, name="console"),
    path("console/inventory/keys/", views.keys, name="keys"),
    path("console/inventory/keys/revoke/", views.revoke, name="revoke"),
    path("console/inventory/batches/", views.batches, name="batches"),
    path("console/inventory/batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
]

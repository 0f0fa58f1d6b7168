from django.urls import path

from kameng.inventory import views

app_name = "inventory"
urlpatterns = [
    path("console/inventory/", views.console, name="console"),
]

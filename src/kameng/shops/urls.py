from django.urls import path

from kameng.shops import views

app_name = "shops"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("operator/shops/", views.operator_shops, name="operator_shops"),
]

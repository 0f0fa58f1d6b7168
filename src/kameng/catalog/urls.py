from django.urls import path

from kameng.catalog import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.browse, name="browse"),
    path("console/products/", views.console_products, name="console_products"),
]

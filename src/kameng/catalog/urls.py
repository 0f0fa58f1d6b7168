from django.urls import path

from kameng.catalog import views

app_name = "catalog"
urlpatterns = [
    path("products/", views.browse, name="browse"),
    path("products/<int:product_id>/", views.product_page, name="product"),
    path("shops/<slug:slug>/", views.shop_page, name="shop"),
    path("console/products/", views.console_products, name="console_products"),
    path("console/products/new/", views.console_product_edit, name="console_product_new"),
    path("console/products/<int:product_id>/edit/", views.console_product_edit, name="console_product_edit"),
    path(
        "console/products/<int:product_id>/publish/",
        views.console_product_publish,
        {"action": "publish"},
        name="console_product_publish",
    ),
    path(
        "console/products/<int:product_id>/unpublish/",
        views.console_product_publish,
        {"action": "unpublish"},
        name="console_product_unpublish",
    ),
]

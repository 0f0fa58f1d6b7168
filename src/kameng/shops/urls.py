from django.urls import path

from kameng.shops import views

app_name = "shops"
urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/inbox/<int:conversation_id>/", views.console_conversation, name="console_conversation"),
    path("operator/shops/", views.operator_shops, name="operator_shops"),
    path("operator/shops/<int:shop_id>/", views.operator_shop, name="operator_shop"),
    path("messages/", views.my_conversations, name="my_conversations"),
    path("messages/<int:conversation_id>/", views.my_conversation, name="my_conversation"),
    path("shops/<slug:slug>/contact/", views.contact, name="contact"),
]

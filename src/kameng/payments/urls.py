from django.urls import path

from kameng.payments import views

app_name = "payments"
urlpatterns = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/payments/<str:out_trade_no>/status/", views.payment_status, name="payment_status"),
    path("sandbox-gateway/checkout/<str:out_trade_no>/", views.sandbox_checkout, name="sandbox_checkout"),
]

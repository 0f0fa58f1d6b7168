from django.urls import path

from kameng.orders import views

app_name = "orders"
urlpatterns = [
    path("orders/new/", views.checkout, name="checkout"),
    path("orders/", views.my_orders, name="mine"),
    path("orders/<int:order_id>/", views.order_detail, name="detail"),
    path("orders/<int:order_id>/pay/", views.pay, name="pay"),
    path("orders/<int:order_id>/cancel/", views.cancel, name="cancel"),
    path("orders/<int:order_id>/confirm/", views.confirm, name="confirm"),
    path("orders/<int:order_id>/topup/", views.topup, name="topup"),
    path("orders/<int:order_id>/keys/<int:key_id>/reveal/", views.reveal, name="reveal"),
    path("console/orders/", views.console_orders, name="console_orders"),
    path("console/orders/<int:order_id>/", views.console_order, name="console_order"),
    path("console/balance/", views.console_balance, name="console_balance"),
    path("operator/payouts/", views.operator_payouts, name="operator_payouts"),
    path("operator/payouts/<int:payout_id>/decide/", views.operator_payout_decide, name="operator_payout_decide"),
    path("operator/ledger/", views.operator_ledger, name="operator_ledger"),
    path("operator/debts/", views.operator_debts, name="operator_debts"),
    path("operator/guarantee-fund/", views.operator_fund, name="operator_fund"),
]

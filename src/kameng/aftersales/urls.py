from django.urls import path

from kameng.aftersales import views

app_name = "aftersales"
urlpatterns = [
    path("cases/", views.my_cases, name="mine"),
    path("cases/orders/", views.orders_by_tag, name="orders_by_tag"),
    path("cases/<int:case_id>/", views.case_page, name="case"),
    path("cases/<int:case_id>/act/<slug:action>/", views.case_action, name="act"),
    path("cases/<int:case_id>/messages/", views.post_message, name="message"),
    path("cases/<int:case_id>/preview/", views.ruling_preview, name="preview"),
    path("cases/<int:case_id>/attachments/<int:att_id>/", views.attachment, name="attachment"),
    path("orders/<int:order_id>/case/new/", views.open_case, name="open"),
    path("orders/<int:order_id>/tags/", views.order_tag, name="order_tag"),
    path("orders/<int:order_id>/self-check/start/", views.selfcheck_start, name="selfcheck_start"),
    path("orders/<int:order_id>/self-check/skip/", views.selfcheck_skip, name="selfcheck_skip"),
    path("self-checks/<int:run_id>/", views.selfcheck_run, name="selfcheck_run"),
    path("self-checks/<int:run_id>/answer/", views.selfcheck_answer, name="selfcheck_answer"),
    path("self-checks/<int:run_id>/leave/", views.selfcheck_leave, name="selfcheck_leave"),
    path("console/self-checks/", views.selfcheck_console, name="selfcheck_console"),
    path("console/self-checks/<slug:subtype>/", views.selfcheck_edit, name="selfcheck_edit"),
    path("merchant/cases/", views.merchant_cases, name="merchant_queue"),
    path("agent/cases/", views.agent_cases, name="agent_queue"),
]

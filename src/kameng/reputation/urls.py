from django.urls import path

from kameng.reputation import views

app_name = "reputation"
urlpatterns = [
    path("orders/<int:order_id>/review/", views.order_review, name="order_review"),
    path("shops/<slug:slug>/reviews/", views.shop_reviews, name="shop_reviews"),
    path("console/reviews/", views.console_reviews, name="console_reviews"),
    path("console/reviews/<int:review_id>/reply/", views.reply, name="reply"),
    path("operator/reviews/", views.operator_reviews, name="operator_reviews"),
    path("console/dashboard/", views.dashboard, name="dashboard"),
    path("operator/penalties/", views.operator_penalties, name="operator_penalties"),
    path("operator/reviews/<int:review_id>/hide/", views.hide, name="hide"),
]

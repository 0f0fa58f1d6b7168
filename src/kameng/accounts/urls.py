from django.urls import path

from kameng.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/tokens/", views.tokens_view, name="tokens"),
]

from django.urls import path

from kameng.accounts import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/login/link/", views.login_link_request_view, name="login_link_request"),
    path("accounts/login/link/<int:user_id>/<str:token>/", views.login_link_view, name="login_link"),
    path("accounts/signup/", views.signup_view, name="signup"),
    path("accounts/verify/phone/", views.verify_phone_view, name="verify_phone"),
    path("accounts/verify/<str:token>/", views.verify_view, name="verify"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/tokens/", views.tokens_view, name="tokens"),
]

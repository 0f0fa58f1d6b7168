from django.urls import path

from kameng.notifications import views

app_name = "notifications"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.read_all, name="read_all"),
    path("inbox/<int:notification_id>/open/", views.open_notification, name="open"),
    path("inbox/<int:notification_id>/read/", views.read_one, name="read"),
]

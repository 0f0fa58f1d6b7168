from django.urls import path

from kameng.knowledge import views

app_name = "knowledge"
A = "console/help/articles/<slug:slug>/"
urlpatterns = [
    path("help/", views.index, name="index"),
    path("help/<slug:slug>/", views.article, name="article"),
    path("help/<slug:slug>/vote/", views.vote, name="vote"),
    path("console/help/", views.console_list, name="console_list"),
    path("console/help/new/", views.console_new, name="console_new"),
    path("console/help/preview/", views.console_preview, name="console_preview"),
    path(A, views.console_edit, name="console_edit"),
    path(A + "publish/", views.console_move, {"action": "publish"}, name="console_publish"),
    path(A + "archive/", views.console_move, {"action": "archive"}, name="console_archive"),
    path(A + "history/", views.console_history, name="console_history"),
    path(A + "versions/<int:number>/", views.console_version, name="console_version"),
    path(A + "versions/<int:number>/restore/", views.console_restore, name="console_restore"),
]

from django.urls import path

from kameng.community import views

app_name = "community"
urlpatterns = [
    path("community/", views.index, name="index"),
    path("community/ask/", views.ask, name="ask"),
    path("community/q/<int:question_id>/", views.question, name="question"),
    path("community/q/<int:question_id>/accept/", views.accept, name="accept"),
    path("community/u/<str:username>/", views.profile, name="profile"),
    path("community/<str:kind>/<int:post_id>/vote/", views.vote, name="vote"),
    path("community/<str:kind>/<int:post_id>/report/", views.report, name="report"),
    path("community/<str:kind>/<int:post_id>/article/", views.link_article, name="link_article"),
    path("community/<str:kind>/<int:post_id>/case/", views.attach_case, name="attach_case"),
    path("console/community/", views.console, name="console"),
    path("console/community/<str:kind>/<int:post_id>/moderate/", views.moderate, name="moderate"),
    path("console/community/q/<int:question_id>/lock/", views.lock, name="lock"),
    path("console/community/reports/<int:report_id>/dismiss/", views.dismiss, name="dismiss"),
]

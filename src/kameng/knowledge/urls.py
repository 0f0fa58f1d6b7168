from django.urls import path

from kameng.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("help/", views.index, name="index"),
    path("help/<slug:slug>/", views.article, name="article"),
]

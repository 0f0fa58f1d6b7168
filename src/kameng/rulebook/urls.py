from django.urls import path

from kameng.rulebook import views

app_name = "rulebook"
urlpatterns = [
    path("rules/", views.rulebook_page, name="current"),
    path("rules/v/<int:number>/", views.version_page, name="version"),
    path("operator/rules/", views.editor, name="editor"),
]

from django.urls import path

from kameng.search import views

app_name = "search"
urlpatterns = [
    path("help/search/", views.help_search, name="help"),
    path("console/search/synonyms/", views.synonyms, name="synonyms"),
    path("console/search/synonyms/<int:group_id>/delete/", views.synonyms_delete, name="synonyms_delete"),
]

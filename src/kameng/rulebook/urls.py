app_name = "rulebook"
urlpatterns: list = []

from django.urls import include, path
from django.views.i18n import set_language

from kameng.api import api
from kameng.catalog import views as catalog_views
from kameng.core import views as core_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", catalog_views.browse, name="home"),
    path("", include("kameng.accounts.urls")),
    path("", include("kameng.onboarding.urls")),  # before catalog's shops/<slug>/
    path("", include("kameng.reputation.urls")),
    path("", include("kameng.shops.urls")),
    path("", include("kameng.catalog.urls")),
    path("", include("kameng.inventory.urls")),
    path("", include("kameng.timeline.urls")),
    path("", include("kameng.payments.urls")),
    path("", include("kameng.suppliers.urls")),
    path("", include("kameng.orders.urls")),
    path("", include("kameng.rulebook.urls")),
    path("", include("kameng.notifications.urls")),
    path("", include("kameng.search.urls")),  # before knowledge's help/<slug>/
    path("", include("kameng.knowledge.urls")),
    path("", include("kameng.aftersales.urls")),
    path("", include("kameng.evidence.urls")),
    path("", include("kameng.community.urls")),
    path("", include("kameng.triage.urls")),
]

handler400 = "kameng.core.views.bad_request"
handler403 = "kameng.core.views.permission_denied"
handler404 = "kameng.core.views.page_not_found"
handler500 = "kameng.core.views.server_error"

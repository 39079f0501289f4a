"""The ``security`` URL namespace. The core's own pages (the alert address) come from ``security/urls.py``; the
re-authentication page asks for a second factor when two-step verification is on, so its view lives with them."""

from django.urls import path

from security import urls as core_urls
from security.two_factor import views as two_factor_views

from . import views

app_name = "security"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("activity/", views.activity, name="activity"),
    path("confirm/", two_factor_views.reauth, name="reauth"),
    *core_urls.urlpatterns,
]

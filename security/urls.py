from django.urls import path

from security.two_factor import views as two_factor_views

from . import views

app_name = "security"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("activity/", views.activity, name="activity"),
    # The page asks for a second factor when two-step verification is on, so its view lives with them.
    path("confirm/", two_factor_views.reauth, name="reauth"),
    path("notifications/", views.notification_settings, name="notifications"),
    path("notifications/remove/", views.notification_address_remove, name="notification_address_remove"),
    path("notifications/confirm/<str:token>/", views.notification_address_confirm, name="notification_address_confirm"),
]

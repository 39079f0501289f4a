"""The core's pages: the second address for security alerts. ``security/overview/urls.py`` includes them in the
``security`` namespace, next to the pages that read every feature."""

from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.notification_settings, name="notifications"),
    path("notifications/remove/", views.notification_address_remove, name="notification_address_remove"),
    path("notifications/confirm/<str:token>/", views.notification_address_confirm, name="notification_address_confirm"),
]

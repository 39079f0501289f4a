from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("activity/", views.activity, name="activity"),
    path("confirm/", views.reauth, name="reauth"),
    path("notifications/", views.notification_settings, name="notifications"),
    path("notifications/remove/", views.notification_address_remove, name="notification_address_remove"),
    path("notifications/confirm/<str:token>/", views.notification_address_confirm, name="notification_address_confirm"),
]

from django.urls import path

from . import views

app_name = "trusted_devices"

urlpatterns = [
    path("", views.device_list, name="list"),
    path("<int:device_id>/rename/", views.device_rename, name="rename"),
    path("<int:device_id>/revoke/", views.device_revoke, name="revoke"),
    path("revoke-all/", views.device_revoke_all, name="revoke_all"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:session_id>/end/", views.session_end, name="session_end"),
    path("sessions/end-others/", views.sessions_end_others, name="sessions_end_others"),
]

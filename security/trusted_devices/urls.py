from django.urls import path

from security.sessions import views as session_views

from . import views

app_name = "trusted_devices"

urlpatterns = [
    path("", views.device_list, name="list"),
    path("<int:device_id>/rename/", views.device_rename, name="rename"),
    path("<int:device_id>/revoke/", views.device_revoke, name="revoke"),
    path("revoke-all/", views.device_revoke_all, name="revoke_all"),
    path("sessions/", session_views.session_list, name="sessions"),
    path("sessions/<int:session_id>/end/", session_views.session_end, name="session_end"),
    path("sessions/end-others/", session_views.sessions_end_others, name="sessions_end_others"),
]

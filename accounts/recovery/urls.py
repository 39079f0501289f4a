from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("", views.recovery_start_view, name="start"),
    path("code/", views.recovery_code_view, name="code"),
    path("verify/", views.recovery_second_factor_view, name="second_factor"),
    path("password/", views.recovery_password_view, name="password"),
    path("helpdesk/", views.recovery_helpdesk_view, name="helpdesk"),
]

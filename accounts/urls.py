from django.urls import path

from . import recovery_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out_view, name="sign_out"),
    path("password/", views.password_change_view, name="password_change"),
    path("language/", views.set_language, name="set_language"),
    path("recovery/", recovery_views.recovery_start_view, name="recovery_start"),
    path("recovery/code/", recovery_views.recovery_code_view, name="recovery_code"),
    path("recovery/verify/", recovery_views.recovery_second_factor_view, name="recovery_second_factor"),
    path("recovery/password/", recovery_views.recovery_password_view, name="recovery_password"),
    path("recovery/helpdesk/", recovery_views.recovery_helpdesk_view, name="recovery_helpdesk"),
]

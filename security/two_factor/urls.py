from django.urls import path

from . import views

app_name = "two_factor"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("verify/", views.verify, name="verify"),
    path("setup/", views.setup, name="setup"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("recovery-codes/recovery-codes.txt", views.recovery_codes_download, name="recovery_codes_download"),
    path("recovery-codes/regenerate/", views.recovery_codes_regenerate_view, name="recovery_codes_regenerate"),
    path("sms/", views.sms_sign_in, name="sms_sign_in"),
    path("disable/", views.disable, name="disable"),
]

from django.urls import path  # noqa: F401

app_name = "app_passwords"

urlpatterns = []

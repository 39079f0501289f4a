from django.urls import path

from . import views

app_name = "passkeys"

urlpatterns = [
    path("add/", views.add, name="add"),
    path("<int:passkey_id>/rename/", views.rename, name="rename"),
    path("<int:passkey_id>/remove/", views.remove, name="remove"),
]

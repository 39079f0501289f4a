from django.urls import path

from . import views

app_name = "app_passwords"

urlpatterns = [
    path("", views.app_password_list, name="list"),
    path("new/", views.app_password_create, name="create"),
    path("<int:app_password_id>/revoke/", views.app_password_revoke, name="revoke"),
    path("revoke-all/", views.app_passwords_revoke_all, name="revoke_all"),
]

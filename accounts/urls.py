from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out_view, name="sign_out"),
    path("password/", views.password_change_view, name="password_change"),
    path("language/", views.set_language, name="set_language"),
]

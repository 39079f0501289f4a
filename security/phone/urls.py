from django.urls import path

from . import views

app_name = "phone"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("confirm/", views.confirm, name="confirm"),
    path("resend/", views.resend, name="resend"),
    path("remove/", views.remove, name="remove"),
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
]

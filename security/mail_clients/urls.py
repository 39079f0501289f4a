from django.urls import path

from . import views

app_name = "mail_clients"

urlpatterns = [
    path("", views.guides, name="guides"),
    path("apple/", views.apple_profile, name="apple_profile"),
]

# Where mail apps look, at the root of the site (portal/urls.py includes these without a prefix).
discovery_urlpatterns = [
    path(".well-known/autoconfig/mail/config-v1.1.xml", views.autoconfig, name="mail_autoconfig_well_known"),
    path("mail/config-v1.1.xml", views.autoconfig, name="mail_autoconfig"),
    path("autodiscover/autodiscover.xml", views.autodiscover, name="mail_autodiscover"),
    path("Autodiscover/Autodiscover.xml", views.autodiscover, name="mail_autodiscover_capitalized"),
]

"""django-axes' app under a translated name: axes sets no verbose name, so the admin's sidebar said "Axes" on
Chinese pages. Its models' names are translated in the portal's catalog (locale/), which Django searches first."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class SignInLockoutsConfig(AxesAppConfig):
    verbose_name = _("Sign-in lockouts")

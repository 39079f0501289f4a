"""Signal receivers: keep the session registry in step with sign-in and sign-out."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import services


@receiver(user_logged_in, dispatch_uid="sessions.session_start")
def _session_start(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.user_session_start(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="sessions.session_forget")
def _session_forget(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        services.user_session_forget(session_key=request.session.session_key)

"""Answers the mail policy endpoint before the rest of the stack: Dovecot sends no cookies, needs no CSRF token,
locale or signed-in user, and a login waits on this reply. Put first in MIDDLEWARE."""

from . import views


class MailPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in (views.PATH, views.PATH.rstrip("/")):  # a URL configured without the slash too
            return views.mail_policy(request)
        return self.get_response(request)

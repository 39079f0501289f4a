"""Dovecot's auth policy server (docs/mail-server.md "Auth policy server"; docs/security.md items 6, 26).

Dovecot asks ``POST <url>?command=allow`` before checking a password (and again after a success) and tells
``?command=report`` the outcome. This package answers both:

- ``views.py``: the endpoint. Only addresses in ``PORTAL_MAIL_POLICY_ALLOWED_IPS`` with the shared secret
  (constant-time compare) get past it; it runs ahead of the session, CSRF, locale and sign-in middleware
  (``middleware.py``).
- ``throttle.py``: failure counters in the cache, per account across IPs and per IP, in sliding windows; the answer
  escalates from a tarpit to a reject, and 100 consecutive failures lock the account until a success-free
  helpdesk clear. The same wrong secret counts once per window, so a forgotten phone does not lock its owner out.
- ``services.py``: what a report changes: "last used" (time, IP, protocol) on the app password or the account,
  written at most once a minute per credential, and the security events for a new network or a burst of failures.
"""

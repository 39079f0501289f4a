"""What makes two mail addresses "the same". It lives in the core because the mail user (``accounts``) and the
second alert address (``security.services.notification_address``) both need it, and the core imports no app."""


def normalize_address(address: str) -> str:
    """The one place that decides what makes two addresses "the same": trimmed and lowercased."""
    return (address or "").strip().lower()

"""Small profile changes that are not security events."""

from django.conf import settings

from accounts.models import User


def user_language_set(*, user: User, language: str) -> None:
    """Remembers the interface language on the account, so notification e-mails use it too."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])

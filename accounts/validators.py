"""Password rules beyond Django's own (SECURITY.md 1-3): context words, and a generous upper bound."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

GENERIC_CONTEXT_WORDS = ("password", "mail", "email", "webmail", "qwerty", "admin")


class ContextWordsValidator:
    """Refuses passwords built from the service name or the user's own address (ASVS 6.2.4)."""

    def words_for(self, user):
        words = set(GENERIC_CONTEXT_WORDS)
        words.update(w for w in re.split(r"\W+", settings.PORTAL_SITE_NAME.lower()) if len(w) >= 4)
        if user is not None and getattr(user, "email", ""):
            local, _at, domain = user.email.lower().partition("@")
            words.update(w for w in re.split(r"[\W_]+", local) if len(w) >= 4)
            words.update(w for w in domain.split(".")[:-1] if len(w) >= 4)
        return words

    def validate(self, password, user=None):
        # Stripping digits and symbols catches "Password123!" and "alice2024".
        core = re.sub(r"[\d\W_]+", "", password.lower())
        for word in self.words_for(user):
            if core == word or (len(core) - len(word) < 4 and word in core):
                raise ValidationError(
                    _("This password is too close to “%(word)s”. Choose something less predictable."),
                    code="password_context_word",
                    params={"word": word},
                )

    def get_help_text(self):
        return _("Your password can’t be based on the service name or your address.")


class MaximumLengthValidator:
    """Long passphrases are welcome (64+ characters); only absurd lengths are refused, with a clear message."""

    def validate(self, password, user=None):
        if len(password) > settings.PORTAL_PASSWORD_MAX_LENGTH:
            raise ValidationError(
                _("This password is too long: at most %(max)d characters."),
                code="password_too_long",
                params={"max": settings.PORTAL_PASSWORD_MAX_LENGTH},
            )

    def get_help_text(self):
        return _("Up to %(max)d characters; spaces and any script are fine.") % {
            "max": settings.PORTAL_PASSWORD_MAX_LENGTH
        }

"""Password rules beyond Django's own (docs/security.md items 1-3): context words, and a generous upper bound."""

import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.conf import portal_settings

GENERIC_CONTEXT_WORDS = ("password", "mail", "email", "webmail", "qwerty", "admin")


def _letters_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


class ContextWordsValidator:
    """Refuses passwords built from the service name or the user's own address (ASVS 6.2.4)."""

    def words_for(self, user):
        words = set(GENERIC_CONTEXT_WORDS)
        words.update(_letters_only(w) for w in portal_settings.site_name.lower().split())
        if user is not None and getattr(user, "email", ""):
            local, _at, domain = user.email.lower().partition("@")
            words.update(_letters_only(w) for w in re.split(r"[\W_]+", local))
            words.update(_letters_only(w) for w in domain.split(".")[:-1])
        return {w for w in words if len(w) >= 4}

    def validate(self, password, user=None):
        # Letters only, so "Password123!" and "alice2024" count as the words they are made of. What is left once
        # every context word is taken out must still be a few letters of the user's own.
        core = _letters_only(password.lower())
        rest = core
        for word in sorted(self.words_for(user), key=len, reverse=True):
            rest = rest.replace(word, "")
        if len(rest) < 4 and rest != core:
            word = next(w for w in self.words_for(user) if w in core)
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
        if len(password) > portal_settings.password_max_length:
            raise ValidationError(
                _("This password is too long: at most %(max)d characters."),
                code="password_too_long",
                params={"max": portal_settings.password_max_length},
            )

    def get_help_text(self):
        return _("Up to %(max)d characters; spaces and any script are fine.") % {
            "max": portal_settings.password_max_length
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule (counted in Unicode code points), with a message our catalog translates: Django 5.2's own
    zh-Hans catalog lacks the current wording."""

    def get_error_message(self):
        return ngettext(
            "This password is too short. It must contain at least %(min)d character.",
            "This password is too short. It must contain at least %(min)d characters.",
            self.min_length,
        ) % {"min": self.min_length}

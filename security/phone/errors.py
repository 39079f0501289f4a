"""Why a phone or SMS action was refused, as a sentence the user reads (translated when it is shown)."""

import math
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from security.errors import Refused


def when_text(moment: datetime) -> str:
    """``14:05``, or ``2026-05-02 14:05`` when it is not today (in the user's time zone)."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localtime().date():
        return date_format(local, "H:i")
    return date_format(local, "Y-m-d H:i")


class PhoneError(Refused):
    """Base class. ``code`` is stable (for tests and logs); ``message`` is the translated sentence."""

    code = "error"

    def __init__(self, code: str | None = None, *, retry_at: datetime | None = None, remaining: int | None = None):
        super().__init__(code=code or self.code)
        self.retry_at = retry_at
        self.remaining = remaining

    @property
    def message(self) -> str:
        return self.messages().get(self.code, _("Something went wrong. Please try again."))

    def messages(self) -> dict:
        return {}

    def _when(self) -> str:
        return when_text(self.retry_at) if self.retry_at else ""

    def _seconds(self) -> int:
        """Whole seconds until ``retry_at`` (at least 1), for waits short enough to count."""
        if not self.retry_at:
            return 1
        return max(1, math.ceil((self.retry_at - timezone.now()).total_seconds()))


class PhoneNumberRefused(PhoneError):
    """The number was refused before any gateway call."""

    def messages(self):
        return {
            "empty": _("Enter your phone number."),
            "too_long": _("That is too long to be a phone number."),
            "too_short": _("That is too short to be a phone number."),
            "letters": _("A phone number may contain only digits, spaces and dashes (and a + at the start)."),
            "plus": _("A + may only appear once, at the very start of the number."),
            "invalid": _("That is not a valid phone number. Check the digits and the country code."),
            "region": _("Phone numbers from this country or region are not supported here."),
            "not_mobile": _("This number cannot receive text messages (for example a landline). Use a mobile number."),
        }


class SmsSendRefused(PhoneError):
    """No code was sent because of a limit, the resend cooldown or a lockout. ``retry_at`` says when to
    retry."""

    def messages(self):
        when = self._when()
        return {
            "cooldown": ngettext(
                "A code was sent just now. You can ask for a new one in %(seconds)d second (the wait applies to "
                "your account and to the phone number).",
                "A code was sent just now. You can ask for a new one in %(seconds)d seconds (the wait applies to "
                "your account and to the phone number).",
                self._seconds(),
            )
            % {"seconds": self._seconds()},
            "cooldown_number": ngettext(
                "A code was sent to this phone number just now. You can ask for a new one in %(seconds)d second "
                "(the wait applies to each phone number, whichever account asks).",
                "A code was sent to this phone number just now. You can ask for a new one in %(seconds)d seconds "
                "(the wait applies to each phone number, whichever account asks).",
                self._seconds(),
            )
            % {"seconds": self._seconds()},
            "locked": _("Too many wrong codes. You can ask for a new code at %(time)s.") % {"time": when},
            "limit_number": _("Too many codes were sent to this number. Try again at %(time)s.") % {"time": when},
            "limit_account": _("You have asked for too many codes today. Try again at %(time)s.") % {"time": when},
            "limit_ip": _("Too many codes were requested from your network. Try again at %(time)s.") % {"time": when},
            "limit_global": _("We cannot send more text messages today. Try again at %(time)s.") % {"time": when},
        }


class SmsSendFailed(PhoneError):
    """The gateway refused the number or could not be reached. Nothing was sent and no quota was used."""

    def messages(self):
        return {
            "invalid_number": _("The SMS provider says this is not a valid phone number."),
            "no_route": _("The SMS provider cannot deliver text messages to this number."),
            "region_not_enabled": _("We cannot send text messages to this country or region."),
            "unsubscribed": _(
                "This number has blocked our text messages (it replied STOP). Reply START to our messages "
                "from the phone, or use another number."
            ),
            "not_sms_capable": _("This number cannot receive text messages. Use a mobile number."),
            "number_limit": _(
                "The SMS provider has sent as many text messages to this number as it allows for now. "
                "Try again later, or tomorrow."
            ),
            "blocked": _("The SMS provider will not send text messages to this number. Use another number."),
            "other": _("The SMS provider refused this number. Use another number."),
            "unavailable": _("We could not send the text message. Please try again in a moment."),
        }


class SmsCodeRejected(PhoneError):
    """The code was not accepted."""

    def messages(self):
        return {
            "empty": _("Enter the 6-digit code from the text message."),
            "malformed": _("The code is the 6 digits from the text message."),
            "wrong": _("That code is not right. %(remaining)s tries left.") % {"remaining": self.remaining},
            "expired": _("That code has expired. Ask for a new one."),
            "used": _("That code was already used. If your phone is not bound yet, ask for a new code."),
            "locked": _("Too many wrong codes. You can ask for a new code at %(time)s.") % {"time": self._when()},
            "no_code": _("No code was sent for this in this session. Ask for a new one."),
        }


class PhoneBindRefused(PhoneError):
    def messages(self):
        return {
            "too_many_accounts": _(
                "This number is already bound to the maximum number of accounts. Use another number."
            ),
            "not_bound": _("No phone is bound to your account."),
            "same_number": _("This number is already bound to your account."),
        }

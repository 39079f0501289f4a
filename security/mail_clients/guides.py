"""Which mail app a new app password is for, and what each app's guide needs.

The guides themselves are templates (``templates/security/mail_clients/guides/<key>.html``), one per app, so
their wording is translated like any page. This module only picks the app from the name the user typed.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .servers import mail_servers


@dataclass(frozen=True)
class MailApp:
    key: str
    label: str
    # Lowercase words that, found in an app password's name, preset this guide.
    keywords: tuple[str, ...]

    @property
    def template(self) -> str:
        return f"security/mail_clients/guides/{self.key}.html"


MAIL_APPS = (
    MailApp("outlook", _("Outlook"), ("outlook", "hotmail")),
    MailApp("foxmail", _("Foxmail"), ("foxmail",)),
    MailApp("thunderbird", _("Thunderbird"), ("thunderbird", "betterbird")),
    MailApp("apple", _("iPhone, iPad or Mac Mail"), ("iphone", "ipad", "mac", "apple", "ios", "苹果")),
    MailApp("android", _("Android: Gmail or another mail app"), ("android", "gmail", "安卓", "k-9", "k9")),
)


def mail_app_for_name(name: str) -> MailApp | None:
    """The first app whose keyword appears in ``name`` (case-insensitive), or None."""
    folded = (name or "").casefold()
    for app in MAIL_APPS:
        if any(keyword in folded for keyword in app.keywords):
            return app
    return None


def mail_guides_for(*, name: str = "", login: str) -> dict:
    """What ``templates/security/mail_clients/_guides.html`` needs."""
    preset = mail_app_for_name(name)
    return {
        "apps": MAIL_APPS,
        "preset": preset.key if preset else "",
        "servers": mail_servers(),
        "login": login,
    }

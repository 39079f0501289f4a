"""Building the ``SmsMessage`` every sender hands to the gateways: template name, parameters, and the text
rendered in the user's language from ``templates/sms/<name>.txt``.

Invariants:
- Each template's parameters are fixed here, in the order providers with positional parameters (Tencent
  Cloud's ``TemplateParamSet``) take them; a deployer registers provider templates with these parameters
  (docs/sms.md lists them).
- Every parameter is a string, as both Chinese providers require.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from portal.conf import portal_settings

from .base import (
    TEMPLATE_NUMBER_CHANGED,
    TEMPLATE_PASSWORD_RESET,
    TEMPLATE_RECOVERY,
    TEMPLATE_VERIFICATION_CODE,
    SmsMessage,
)

# template name -> its parameters, in order
TEMPLATE_PARAMS: dict[str, tuple[str, ...]] = {
    TEMPLATE_VERIFICATION_CODE: ("code", "minutes"),
    TEMPLATE_NUMBER_CHANGED: (),
    TEMPLATE_RECOVERY: ("code", "minutes"),
    TEMPLATE_PASSWORD_RESET: (),
}


def sms_message_build(*, to: str, template: str, params: dict, language: str | None = None) -> SmsMessage:
    """The message for ``template`` to ``to`` (E.164), its text rendered in ``language`` (default
    ``LANGUAGE_CODE``). Raises ``ValueError`` for an unknown template or the wrong parameters (a bug)."""
    names = TEMPLATE_PARAMS.get(template)
    if names is None:
        raise ValueError(f"unknown SMS template {template!r}")
    if set(params) != set(names):
        raise ValueError(f"SMS template {template!r} takes {names}, got {sorted(params)}")
    ordered = {name: str(params[name]) for name in names}
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = render_to_string(
            f"sms/{template}.txt", {"site_name": portal_settings.site_name, **ordered}
        ).strip()
    return SmsMessage(to=to, template=template, params=ordered, text=text, language=language)

"""System checks: every mail server's security setting must be one the mail-app answers can express."""

from django.core.checks import Error, Tags, register

from portal.conf import portal_settings

from . import servers, signing


@register(Tags.security)
def mail_clients_check(app_configs=None, **kwargs):
    errors = []
    for protocol in ("SMTP", "IMAP", "POP3"):
        value = getattr(portal_settings, f"mail_{protocol.lower()}_security")
        try:
            servers.connection_kind(value)
        except servers.UnknownSecurity:
            errors.append(
                Error(
                    f"PORTAL_MAIL_{protocol}_SECURITY={value!r} is not understood.",
                    hint="Use SSL/TLS (implicit TLS), STARTTLS, or none.",
                    id="mail_clients.E001",
                )
            )
    if not isinstance(portal_settings.mail_domains, list | tuple):
        errors.append(Error("PORTAL_MAIL_DOMAINS must be a list of domains.", id="mail_clients.E002"))
    try:
        signing.profile_signer()
    except signing.SigningNotConfigured as error:
        errors.append(Error(str(error), id="mail_clients.E003"))
    return errors

"""One way to show a moment on every page: the current language's format, in the portal's time zone.

``{{ value|local_datetime }}`` is the text (for a title or an e-mail); ``{{ value|time_tag }}`` is the same text in
a ``<time>`` element whose ``datetime`` is a valid HTML date string (whole seconds: HTML allows at most three digits
of a fraction, and Python's ``isoformat`` writes six)."""

from datetime import datetime

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

register = template.Library()


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def local_datetime(value):
    if not value:
        return ""
    return formats.date_format(_local(value), "SHORT_DATETIME_FORMAT")


@register.filter
def html_datetime(value):
    """The ``datetime`` attribute's value: ISO 8601 to the second, with the offset."""
    if not value:
        return ""
    return _local(value).replace(microsecond=0).isoformat()


@register.filter
def time_tag(value):
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', html_datetime(value), local_datetime(value))

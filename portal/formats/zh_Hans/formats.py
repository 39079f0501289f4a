"""Chinese dates as Django's own zh_Hans formats write them (2026年12月1日 16:45), stated here so that the long
and the short form, which the admin and the portal's pages use, are one format."""

DATE_FORMAT = "Y年n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"

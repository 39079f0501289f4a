"""English dates the way the portal shows every date: day, month, year and a 24-hour time (1 Dec 2026, 16:45),
so they read the same as the Chinese pages' 2026年12月1日 16:45 and never swap day and month."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

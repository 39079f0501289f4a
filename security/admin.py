"""The audit log in the admin, and the rules every admin page of ours keeps at its edges.

Invariants:
- The audit log, and django-axes' records of failed sign-ins, are read-only for everyone, superusers included
  (docs/security.md item 35): a sign-in lock is cleared only by the audited helpdesk action.
- An object id that is not a valid primary key (not ASCII decimal, or outside 1..2^63-1) never reaches the
  database: it is a 404 in an object URL and a form error in a many-to-many field. A date-hierarchy filter that
  cannot be a date is a 400. None of them is a 500 on SQLite, PostgreSQL or MariaDB.
- The CSV export neutralises cells a spreadsheet would read as a formula (OWASP "CSV injection").
"""

import csv
import logging
import re
from datetime import datetime

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from security.event_kinds import event_description
from security.ids import object_id_parse
from security.models import SecurityEvent

log = logging.getLogger("portal.security")

CSV_COLUMNS = ["time", "user", "event", "description", "acted_by", "actor", "ip_address", "user_agent", "details"]


class PrimaryKeyMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids outside the key range before they reach the database (an OverflowError on SQLite)."""

    def _check_values(self, value):
        if not self.to_field_name and isinstance(value, list | tuple):
            for pk in value:
                if object_id_parse(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                    )
        return super()._check_values(value)


def _date_hierarchy_valid(params, field: str) -> bool:
    """Django builds ``datetime(year, month, day)`` and the next year, month or day from these parameters and
    only catches ValueError: year 9999 or 1, or a month of 2^63, used to be a 500."""
    parts = {}
    for unit, low, high in (("year", 2, 9998), ("month", 1, 12), ("day", 1, 31)):
        values = params.getlist(f"{field}__{unit}")
        if not values:
            continue
        if not all(re.fullmatch(r"[0-9]{1,4}", v) and low <= int(v) <= high for v in values):
            return False
        parts[unit] = int(values[-1])
    try:
        datetime(parts.get("year", 2000), parts.get("month", 1), parts.get("day", 1))
    except ValueError:  # 31 February
        return False
    return True


_time_zone_support: dict[str, bool] = {}


def _database_converts_time_zones() -> bool:
    """MariaDB/MySQL without time zone tables (``mysql_tzinfo_to_sql``) return NULL from CONVERT_TZ, and Django's
    date-hierarchy links then fail with a 500. Filtering by ranges still works, so only the links are left out."""
    if connection.vendor != "mysql":
        return True
    zone = timezone.get_current_timezone_name()
    if zone not in _time_zone_support:
        with connection.cursor() as cursor:
            cursor.execute("SELECT CONVERT_TZ('2000-01-01 00:00:00', 'UTC', %s) IS NOT NULL", [zone])
            _time_zone_support[zone] = bool(cursor.fetchone()[0])
        if not _time_zone_support[zone]:
            log.warning("the database has no time zone tables: admin date links are hidden (docs/security.md)")
    return _time_zone_support[zone]


class PortalModelAdmin(admin.ModelAdmin):
    """What every admin page of ours does with ids and filters that cannot be valid."""

    change_list_template = "admin/portal/change_list.html"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", PrimaryKeyMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_object(self, request, object_id, from_field=None):
        if from_field is None and object_id_parse(object_id) is None:
            return None
        return super().get_object(request, object_id, from_field)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index with a message; an id that names nothing is a 404 everywhere here.
        raise Http404

    def changelist_view(self, request, extra_context=None):
        if self.date_hierarchy and not _date_hierarchy_valid(request.GET, self.date_hierarchy):
            context = {
                **self.admin_site.each_context(request),
                "title": _("This filter is not a valid date"),
                "opts": self.opts,
            }
            return TemplateResponse(request, "admin/portal/bad_filter.html", context, status=400)
        if self.date_hierarchy and not _database_converts_time_zones():
            extra_context = {**(extra_context or {}), "date_hierarchy_unavailable": True}
        return super().changelist_view(request, extra_context)


class ReadOnlyModelAdmin(PortalModelAdmin):
    """Nobody adds, changes or deletes here, superusers included; no bulk action either."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- CSV export -------------------------------------------------------------------------------------------
# A cell starting with one of these is a formula (or becomes one) in Excel, LibreOffice and Google Sheets.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Anyone can put text into an audit row (a failed sign-in's User-Agent), so no cell may start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


@admin.action(description=_("Export selected events as CSV"))
def export_csv(modeladmin, request, queryset):
    """For compliance: filter the list (user, actor, type, date), select all, export."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="security-events-{stamp}.csv"'
    response.write("\ufeff")  # so spreadsheet programs read the UTF-8 (Chinese names) correctly
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for event in queryset.select_related("user", "actor").order_by("created_at", "id").iterator(chunk_size=2000):
        row = [
            event.created_at.isoformat(),
            event.user.email,
            event.kind,
            event_description(event.kind, event.details),
            event.actor_kind,
            event.actor.email if event.actor else "",
            event.ip_address or "",
            event.user_agent,
            event.details,
        ]
        writer.writerow([csv_cell(cell) for cell in row])
    return response


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyModelAdmin):
    """The audit log is read-only for everyone, superusers included (docs/security.md item 35)."""

    list_display = ("created_at", "user", "description", "actor_kind", "actor", "ip_address")
    list_filter = ("kind", "actor_kind", "created_at")
    search_fields = ("user__email", "actor__email", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("user", "actor")
    actions = [export_csv]

    @admin.display(description=_("event"))
    def description(self, event):
        return event_description(event.kind, event.details)


# --- Groups: Django's own admin, with the id rules above --------------------------------------------------
class PortalGroupAdmin(PortalModelAdmin, GroupAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, PortalGroupAdmin)


# --- django-axes: read-only, so the audited helpdesk action is the only way to clear a lock -------------------
def _axes_admin_read_only() -> None:
    from axes import admin as axes_admin
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model, base in (
        (AccessAttempt, axes_admin.AccessAttemptAdmin),
        (AccessLog, axes_admin.AccessLogAdmin),
        (AccessFailureLog, axes_admin.AccessFailureLogAdmin),
    ):
        if not admin.site.is_registered(model):  # AXES_ENABLE_ADMIN off
            continue
        admin.site.unregister(model)
        admin.site.register(model, type(f"ReadOnly{base.__name__}", (ReadOnlyModelAdmin, base), {"actions": None}))


_axes_admin_read_only()

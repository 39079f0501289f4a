import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from security.audit import event_description
from security.models import SecurityEvent

CSV_COLUMNS = ["time", "user", "event", "description", "acted_by", "actor", "ip_address", "user_agent", "details"]


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
        writer.writerow(
            [
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
        )
    return response


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The audit log is read-only for everyone, superusers included (SECURITY.md 35)."""

    list_display = ("created_at", "user", "description", "actor_kind", "actor", "ip_address")
    list_filter = ("kind", "actor_kind", "created_at")
    search_fields = ("user__email", "actor__email", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("user", "actor")
    actions = [export_csv]

    @admin.display(description=_("event"))
    def description(self, event):
        return event_description(event.kind, event.details)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

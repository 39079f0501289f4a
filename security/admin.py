from django.contrib import admin

from security.audit import event_description
from security.models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The audit log is read-only for everyone (SECURITY.md 35)."""

    list_display = ("created_at", "user", "description", "actor_kind", "actor", "ip_address")
    list_filter = ("kind", "actor_kind", "created_at")
    search_fields = ("user__email", "actor__email", "ip_address")
    date_hierarchy = "created_at"
    list_select_related = ("user", "actor")

    @admin.display(description=SecurityEvent._meta.get_field("kind").verbose_name)
    def description(self, event):
        return event_description(event.kind, event.details)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

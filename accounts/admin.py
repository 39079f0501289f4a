"""Helpdesk view of users. Staff never see or set a secret: no password field, no hashes (SECURITY.md 34)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "is_active", "two_step_enabled", "is_staff", "date_joined")
    list_filter = ("is_active", "two_step_enabled", "is_staff")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    fields = ("email", "full_name", "language", "is_active", "two_step_enabled", "date_joined", "last_login")
    readonly_fields = ("two_step_enabled", "date_joined", "last_login")

    def has_add_permission(self, request):
        # Accounts come from the mail system's provisioning, not from the helpdesk.
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.append("email")
        return readonly


admin.site.site_header = _("Mail security helpdesk")
admin.site.site_title = _("Mail security helpdesk")

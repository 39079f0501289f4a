"""The helpdesk's view of users in the Django admin.

Staff see each user's security state read-only and act through HELPDESK_ACTIONS, each with a confirmation page and
a required reason. There is no password field and no secret anywhere (docs/security.md item 34): accounts are
provisioned by the mail system, and a password is reset through the reset flow, never typed by staff.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from security.admin import PortalModelAdmin
from security.client import Client
from security.ids import object_ids_parse
from security.phone.errors import PhoneNumberRefused
from security.phone.numbers import phone_number_parse
from security.phone.selectors import mask_phone

from .forms import HelpdeskReasonForm
from .selectors import helpdesk_security_state_for
from .services import (
    HELPDESK_ACTIONS,
    HelpdeskReasonRefused,
    HelpdeskTargetProtected,
    helpdesk_action_perform,
    helpdesk_action_refusal_record,
    helpdesk_targets_protected,
)

MAX_USERS_PER_ACTION = 500


def _bulk_action(action):
    def start(modeladmin, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:MAX_USERS_PER_ACTION])
        return redirect(f"{reverse('admin:helpdesk_action', args=[action.name])}?ids={ids}")

    start.__name__ = f"helpdesk_{action.name}"
    start.short_description = action.label
    return start


@admin.register(User)
class UserAdmin(PortalModelAdmin):
    list_display = ("email", "full_name", "masked_phone", "is_active", "two_step_enabled", "is_staff", "date_joined")
    list_filter = ("is_active", "two_step_enabled", "is_staff")
    list_select_related = ("phone_binding",)
    search_fields = ("email", "full_name")
    search_help_text = _("Address, name, or a phone number in any common format.")
    ordering = ("email",)
    change_form_template = "admin/helpdesk/user_change_form.html"
    actions = [_bulk_action(action) for action in HELPDESK_ACTIONS.values()]

    @admin.display(description=_("Phone number"))
    def masked_phone(self, user):
        binding = getattr(user, "phone_binding", None)
        return mask_phone(str(binding.number)) if binding else "—"

    def get_search_results(self, request, queryset, search_term):
        """Also finds users by their bound phone: the term is read the way the phone page reads numbers."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if any(ch.isdigit() for ch in search_term):
            try:
                number = phone_number_parse(search_term)
            except PhoneNumberRefused:
                return results, may_have_duplicates
            results = results | queryset.filter(phone_binding__number=number)
        return results, may_have_duplicates

    def get_fields(self, request, obj=None):
        fields = ["email", "full_name", "language", "is_active", "two_step_enabled", "date_joined", "last_login"]
        if request.user.is_superuser:
            fields += ["is_staff", "is_superuser", "groups"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        # Only superusers edit anything here, and never a credential; helpdesk uses the actions.
        if request.user.is_superuser and obj is None:
            return ["two_step_enabled", "date_joined", "last_login"]
        if request.user.is_superuser:
            return ["email", "two_step_enabled", "date_joined", "last_login"]
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        for action in HELPDESK_ACTIONS.values():
            if not request.user.has_perm(action.permission):
                actions.pop(f"helpdesk_{action.name}", None)
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if user is not None:
            extra_context["security_state"] = helpdesk_security_state_for(user=user)
            extra_context["helpdesk_actions"] = [
                {"label": action.label, "url": f"{reverse('admin:helpdesk_action', args=[action.name])}?ids={user.pk}"}
                for action in HELPDESK_ACTIONS.values()
                if request.user.has_perm(action.permission)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "helpdesk/<str:action_name>/",
                self.admin_site.admin_view(self.helpdesk_action_view),
                name="helpdesk_action",
            ),
            *super().get_urls(),
        ]

    def helpdesk_action_view(self, request, action_name):
        action = HELPDESK_ACTIONS.get(action_name)
        if action is None:
            raise Http404
        if not request.user.has_perm(action.permission):
            raise PermissionDenied
        ids = object_ids_parse(request.POST.get("ids") or request.GET.get("ids", ""), limit=MAX_USERS_PER_ACTION)
        if ids is None:  # an id that cannot be a user names nobody
            raise Http404
        users = list(User.objects.filter(pk__in=ids).order_by("email"))
        if not users:
            messages.error(request, _("Select at least one user."))
            return redirect("admin:accounts_user_changelist")
        protected = helpdesk_targets_protected(staff=request.user, users=users)
        if protected:
            helpdesk_action_refusal_record(
                action_name=action.name, staff=request.user, users=protected, client=Client.from_request(request)
            )
            return self._helpdesk_refusal(request, action, users, protected)
        form = HelpdeskReasonForm(
            request.POST if request.method == "POST" else None, offers_require_setup=action.offers_require_setup
        )
        if request.method == "POST" and form.is_valid():
            try:
                done = helpdesk_action_perform(
                    action_name=action.name,
                    staff=request.user,
                    user_ids=[u.pk for u in users],
                    reason=form.cleaned_data["reason"],
                    require_setup=form.cleaned_data.get("require_setup", False),
                    client=Client.from_request(request),
                )
            except HelpdeskTargetProtected as refusal:  # made staff after the check above
                return self._helpdesk_refusal(request, action, users, refusal.users)
            except HelpdeskReasonRefused as error:
                form.add_error("reason", error.message)
            else:
                messages.success(
                    request,
                    ngettext("Done for %(count)d user: %(action)s", "Done for %(count)d users: %(action)s", done)
                    % {"count": done, "action": action.label},
                )
                if len(users) == 1:
                    return redirect("admin:accounts_user_change", users[0].pk)
                return redirect("admin:accounts_user_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": action.label,
            "action": action,
            "users": users,
            "ids": ",".join(str(u.pk) for u in users),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/helpdesk/confirm_action.html", context, status=400 if form.errors else 200
        )

    def _helpdesk_refusal(self, request, action, users, protected):
        context = {
            **self.admin_site.each_context(request),
            "title": action.label,
            "action": action,
            "users": users,
            "protected_users": protected,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/helpdesk/confirm_action.html", context, status=403)

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REASON_MAX_LENGTH, HelpdeskReasonRefused, helpdesk_reason_clean


class HelpdeskReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the user will see it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH * 4,  # helpdesk_reason_clean gives the precise message
        # The server's own sentence, in the staff member's language (the page has no browser-only check).
        error_messages={"required": _("Give a reason: the user will see it.")},
    )

    require_setup = forms.BooleanField(
        label=_("Require the user to set up two-step verification again at the next sign-in"), required=False
    )

    def __init__(self, *args, offers_require_setup: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not offers_require_setup:
            del self.fields["require_setup"]

    def clean_reason(self):
        try:
            return helpdesk_reason_clean(self.cleaned_data["reason"])
        except HelpdeskReasonRefused as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None

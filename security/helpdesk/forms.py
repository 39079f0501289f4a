from django import forms
from django.utils.translation import gettext_lazy as _

from .services import REASON_MAX_LENGTH, helpdesk_reason_clean


class HelpdeskReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the user will see it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH * 4,  # helpdesk_reason_clean gives the precise message
    )

    def clean_reason(self):
        return helpdesk_reason_clean(self.cleaned_data["reason"])

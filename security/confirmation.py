"""Ask before destroying (issue 13): revoking app passwords, removing the phone, forgetting trusted devices and
signing out everywhere else each show a page that says what will stop working, and act only on the POST from it.

Invariant: a destructive view acts only when the POST carries ``CONFIRM_FIELD = CONFIRM_VALUE``, which only the
confirmation page sends. A GET, or a POST without it (an old one-click form, a forged link that got a CSRF
token some other way), shows the confirmation page and changes nothing.
"""

from dataclasses import dataclass, field

from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"


def destroy_confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


@dataclass(frozen=True)
class Confirmation:
    """What the page says: a title, what stops working (one sentence each), what stays, and the button."""

    title: str
    consequences: list[str]
    button: str
    cancel_url: str
    keeps: list[str] = field(default_factory=list)
    testid: str = "confirm-destroy"


def confirmation_page(request, confirmation: Confirmation):
    return render(
        request,
        "security/confirm_destroy.html",
        {"confirmation": confirmation, "confirm_field": CONFIRM_FIELD, "confirm_value": CONFIRM_VALUE},
    )

"""What a flow hands back to its view (the sign-in and setup flows: ``accounts/flows.py``,
``security/two_factor/flows.py``).

A *flow* is one function per user action ("sign in with a password", "pass the second step", "turn two-step
off"). It runs the services, records what they record, and returns a ``FlowResult``: where to go next, the
messages to show, the cookies to set or clear, or the status and context to render the page again with (errors
are on the form in that context). The view
applies it: the cookie is set on the response by the view (``flow_redirect``), never by a middleware reading a
hidden attribute off the request.

Invariants:
- A ``redirect_to`` is a local path or a URL we built ourselves (``reverse``), never user input unchecked.
- A ``CookieChange`` is a plain value: building one changes nothing until a view applies it to its response.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages as django_messages
from django.http import HttpResponse, HttpResponseRedirect


@dataclass(frozen=True)
class CookieChange:
    """A cookie to set (``value``, ``expires``) or to delete (``delete=True``) on the response."""

    name: str
    value: str = ""
    expires: datetime | None = None
    delete: bool = False
    secure: bool = False
    httponly: bool = True
    samesite: str = "Lax"
    path: str = "/"

    def apply(self, response: HttpResponse) -> None:
        if self.delete:
            response.delete_cookie(self.name, path=self.path, samesite=self.samesite)
        else:
            response.set_cookie(
                self.name,
                self.value,
                expires=self.expires,
                path=self.path,
                secure=self.secure,
                httponly=self.httponly,
                samesite=self.samesite,
            )


@dataclass
class FlowResult:
    """``redirect_to`` set: the action is done (or must continue elsewhere). Unset: render the page again with
    ``context`` and ``status`` (a refusal is an error on the form, or a sentence, in that context)."""

    redirect_to: str | None = None
    messages: list[tuple[int, str]] = field(default_factory=list)
    cookies: list[CookieChange] = field(default_factory=list)
    status: int = 200
    context: dict = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.redirect_to is not None

    def message(self, level: int, text) -> "FlowResult":
        self.messages.append((level, str(text)))
        return self


def flow_messages_add(request, result: FlowResult) -> None:
    for level, text in result.messages:
        django_messages.add_message(request, level, text)


def flow_cookies_apply(response: HttpResponse, result: FlowResult) -> HttpResponse:
    for cookie in result.cookies:
        cookie.apply(response)
    return response


def flow_redirect(request, result: FlowResult) -> HttpResponseRedirect:
    """The response of a finished flow: its messages queued, a redirect, its cookies set on that redirect."""
    flow_messages_add(request, result)
    return flow_cookies_apply(HttpResponseRedirect(result.redirect_to), result)

"""What the sign-in asks other features about the second step, without importing them: "may this browser skip the
code?" and "remember this browser". Trusted devices register here (``security/trusted_devices/apps.py``), the way
the second step's methods register in ``security/two_factor/methods.py``.

Invariants:
- A skip replaces the *code*, never the password: ``second_step_skip`` is asked only after a correct password, and
  a sign-in it allows is not a fresh second factor (no ``reauth_mark_fresh``) and not ``is_verified()``.
- A registered check never raises for a bad cookie: it answers "no" (and may ask for the cookie to be cleared).
- Cookies come back as ``CookieChange`` values; the view sets them on its response.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from portal.flows import CookieChange


@dataclass(frozen=True)
class SkipAnswer:
    """A check's answer. ``skip`` True lets the sign-in finish without a code; ``cookies`` are applied either way
    (a dead trust cookie is cleared)."""

    skip: bool = False
    cookies: tuple[CookieChange, ...] = ()


@dataclass(frozen=True)
class SecondStepSkip:
    """``check(request=, user=, client=) -> SkipAnswer``; ``remember(request=, user=, client=) -> CookieChange``
    when the user ticks "don't ask again on this device" after passing the step."""

    key: str
    check: Callable[..., SkipAnswer]
    remember: Callable[..., CookieChange | None] | None = None


_SKIPS: dict[str, SecondStepSkip] = {}


def second_step_skip_register(skip: SecondStepSkip) -> None:
    _SKIPS[skip.key] = skip


def second_step_skip_unregister(key: str) -> None:
    _SKIPS.pop(key, None)


@dataclass
class SkipDecision:
    skip: bool = False
    cookies: list[CookieChange] = field(default_factory=list)


def second_step_skip(*, request, user, client) -> SkipDecision:
    """Ask each registered check; the first "yes" wins. Cookies the checks asked for are collected."""
    decision = SkipDecision()
    for skip in _SKIPS.values():
        answer = skip.check(request=request, user=user, client=client)
        decision.cookies.extend(answer.cookies)
        if answer.skip:
            decision.skip = True
            break
    return decision


def second_step_remember(*, request, user, client) -> list[CookieChange]:
    """After the step was passed with "don't ask again": the cookies that make this browser skip it next time."""
    cookies = []
    for skip in _SKIPS.values():
        if skip.remember is not None:
            cookie = skip.remember(request=request, user=user, client=client)
            if cookie is not None:
                cookies.append(cookie)
    return cookies

"""Issue 19, "Development outbox": with DEBUG on, /phone/dev/outbox/ shows each signed-in user only the messages
sent for their own account, even when another account asked for a code to the same number."""

import re

import pytest
import time_machine
from django.utils import timezone

from security.sms import console
from tests.factories import UserFactory
from tests.phone.test_phone_views import sign_in, start, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def console_gateway(settings):
    settings.DEBUG = True
    settings.PORTAL_SMS_GATEWAY = "console"
    console.RECENT.clear()
    yield
    console.RECENT.clear()


def codes_on(page) -> set[str]:
    return set(re.findall(r"\b\d{6}\b", text(page)))


def test_each_user_sees_only_their_own_messages(console_gateway, capsys):
    owner, attacker = UserFactory(), UserFactory()
    owner_tab, attacker_tab = sign_in(owner), sign_in(attacker)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert start(owner_tab, "13812345678").status_code == 302
        owner_code = re.search(r"\b(\d{6})\b", capsys.readouterr().out).group(1)
        clock.shift(61)  # past the number's resend cooldown
        # The attacker starts binding the owner's number: their own code goes there too, but only theirs is theirs.
        assert start(attacker_tab, "+86 138 1234 5678").status_code == 302
    attacker_code = re.search(r"\b(\d{6})\b", capsys.readouterr().out).group(1)

    attackers_page = attacker_tab.get("/phone/dev/outbox/")
    assert attackers_page.status_code == 200
    assert owner_code not in codes_on(attackers_page)
    assert attacker_code in codes_on(attackers_page)
    owners_page = owner_tab.get("/phone/dev/outbox/")
    assert owner_code in codes_on(owners_page) and attacker_code not in codes_on(owners_page)


def test_a_user_with_no_messages_sees_none(console_gateway, capsys):
    sender, other = UserFactory(), UserFactory()
    start(sign_in(sender), "13812345678")
    page = sign_in(other).get("/phone/dev/outbox/")
    assert page.status_code == 200
    assert "No messages yet." in text(page) and "+8613812345678" not in text(page)

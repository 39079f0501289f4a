"""Reads for app passwords."""


def app_password_overview(*, user) -> dict:
    """What the Security overview card shows. ``manage_url`` is None until the feature exists."""
    return {"active_count": 0, "manage_url": None}

"""Reads for two-step verification."""


def two_step_overview(*, user) -> dict:
    """What the Security overview card shows. ``setup_url`` is None until the feature exists."""
    return {"enabled": user.two_step_enabled, "factors": [], "setup_url": None}

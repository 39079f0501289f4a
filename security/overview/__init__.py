"""The top of the security pages: the overview and the activity page read every feature's selectors, and the
``security`` URL namespace is wired here, so the core (``security/``) imports no feature (docs/architecture.md)."""

"""Account recovery ("Forgot password?"). It proves a channel through the phone app or the alert address and a
second factor through two-step verification, so it sits on top of those features; ``accounts`` itself (the user,
the password, sign-in) sits below them. Its one model, ``accounts.RecoveryRequest``, stays with the user."""

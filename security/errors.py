"""The one shape of a refusal: what a service raises when a rule says no to what the user asked.

Invariants:
- Every service refusal a page shows is a ``Refused``: ``message`` is the sentence the user reads, already
  translated (a lazy string is translated when shown), ``code`` a stable name for tests and logs, ``status`` the
  HTTP status the page answers with. ``str(error)`` is the message too, so a management command can print it.
- Views show a refusal the same way everywhere: ``form.add_error(field, error.message)`` (or ``messages.error``
  after a redirect) and ``status=error.status``; never ``str(error)``, never the code. A test scans the views.
- A refusal never carries a secret, and a ``ValidationError`` stays what forms raise about the shape of input.
"""


class Refused(Exception):
    code = "refused"
    status = 400

    def __init__(self, message="", *, code: str | None = None, status: int | None = None):
        super().__init__(code or self.code)
        self._message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    @property
    def message(self):
        """The translated sentence to show. Subclasses with one sentence per ``code`` override this."""
        return self._message

    def __str__(self) -> str:
        return str(self.message)

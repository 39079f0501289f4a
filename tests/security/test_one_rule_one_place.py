"""Each shared rule lives in one function, and a scan of the code fails when something does it by hand again.

The scans read the project's own Python (not tests, benchmarks or migrations) with ``ast``, so a comment or a
docstring naming a call does not count, and each checks that it still finds the one real place (a scan that
finds nothing proves nothing)."""

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@cache
def _trees() -> dict[str, ast.AST]:
    trees = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/", "build/")) or "/migrations/" in relative:
            continue
        trees[relative] = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
    return trees


def _names_in(node: ast.AST) -> set[str]:
    """Every bare name and attribute name in an expression: ``User.objects.select_for_update()`` gives
    {"User", "objects", "select_for_update"}."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.Attribute):
            found.add(child.attr)
    return found


def _calls(attribute: str, *, receiver_has: str | None = None) -> list[str]:
    """``file:line`` of each call of ``<something>.attribute(...)`` (or a bare ``attribute(...)``), optionally only
    where the receiver expression names ``receiver_has``."""
    places = []
    for relative, tree in _trees().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == attribute:
                if receiver_has is None or receiver_has in _names_in(func.value):
                    places.append(f"{relative}:{node.lineno}")
            elif isinstance(func, ast.Name) and func.id == attribute and receiver_has is None:
                places.append(f"{relative}:{node.lineno}")
    return places


def _files(places: list[str]) -> set[str]:
    return {place.rsplit(":", 1)[0] for place in places}


# --- Locking the user row -----------------------------------------------------------------------------------
def test_only_user_lock_locks_the_user_row():
    places = _calls("select_for_update", receiver_has="User")
    assert _files(places) == {"accounts/services/users.py"}, places
    assert len(places) == 1


# --- Rotating the security stamp and sending credentials_reset ------------------------------------------------
def test_only_user_credentials_reset_rotates_the_stamp_and_sends_credentials_reset():
    rotations = _calls("rotate_security_stamp")
    sends = _calls("send", receiver_has="credentials_reset")
    assert _files(rotations) == _files(sends) == {"accounts/services/users.py"}, (rotations, sends)
    assert len(rotations) == len(sends) == 1
    # Nor does anything set a user's stamp by hand (a trusted device copies the user's: that is no rotation).
    assigned = [
        f"{relative}:{node.lineno}"
        for relative, tree in _trees().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and target.attr == "security_stamp" and relative != "accounts/models.py"
        if "user" in ast.unparse(target.value).lower()
    ]
    assert assigned == [], assigned


# --- Clearing a sign-in lock --------------------------------------------------------------------------------
def test_only_sign_in_lock_clear_resets_django_axes_and_the_account_throttle():
    resets = _calls("reset_attempts")
    assert resets == [place for place in resets if place.startswith("accounts/services/throttle.py:")], resets
    assert len(resets) == 1
    axes_utils = [
        f"{relative}:{node.lineno}"
        for relative, tree in _trees().items()
        for node in ast.walk(tree)
        if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("axes.utils"))
        or (isinstance(node, ast.Import) and any(alias.name.startswith("axes.utils") for alias in node.names))
    ]
    assert axes_utils == [], axes_utils  # axes.utils.reset is reset_attempts by another name
    # The account's counter keys are built in one place too.
    assert _files(_calls("_scopes")) == {"accounts/services/throttle.py"}


# --- "This SMS challenge belongs to this session" ------------------------------------------------------------
def test_only_the_sms_challenge_decides_which_session_it_belongs_to():
    readers = [
        f"{relative}:{node.lineno}"
        for relative, tree in _trees().items()
        if relative.startswith("security/phone/")
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "session_digest"
    ]
    assert _files(readers) == {"security/phone/models.py"}, readers
    assert len(_calls("belongs_to_session")) >= 3  # using a code, asking for a new one, the pending-code page


def test_no_module_imports_another_modules_private_names():
    private = [
        f"{relative}:{node.lineno} {alias.name}"
        for relative, tree in _trees().items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__") and alias.name != "_"
    ]
    assert private == [], private


# --- The scope → service pairs ------------------------------------------------------------------------------
SCOPES, SERVICES = {"smtp", "imap", "all"}, {"smtp", "submission", "imap", "pop3"}


def test_the_scope_service_pairs_are_written_down_once():
    def pair_literals(tree):
        for node in ast.walk(tree):
            if isinstance(node, ast.Tuple) and len(node.elts) == 2:
                values = [element.value for element in node.elts if isinstance(element, ast.Constant)]
                if len(values) == 2 and values[0] in SCOPES and values[1] in SERVICES:
                    yield node.lineno

    migrations = {
        path.relative_to(ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(ROOT.glob("security/app_passwords/migrations/*.py"))
    }
    found = [
        f"{relative}:{line}"
        for relative, tree in {**_trees(), **migrations}.items()
        if relative.startswith("security/app_passwords/") and relative != "security/app_passwords/scopes.py"
        for line in pair_literals(tree)
    ]
    assert found == [], found  # scopes.SCOPE_SERVICES maps each scope to its services; nothing lists pairs

    from security.app_passwords.models import Scope
    from security.app_passwords.scopes import SCOPE_SERVICES

    assert set(SCOPE_SERVICES) == set(Scope.values)
    assert all(set(services) <= SERVICES for services in SCOPE_SERVICES.values())


# --- One shape for a service's refusal ----------------------------------------------------------------------
def test_every_service_refusal_is_a_refused_and_views_show_its_message():
    from accounts.recovery.services import RecoveryError
    from security.app_passwords.services import AppPasswordError
    from security.errors import Refused
    from security.helpdesk.services import HelpdeskReasonRefused
    from security.phone.errors import PhoneError
    from security.two_factor.services import SecondStepError

    for refusal in (RecoveryError, AppPasswordError, HelpdeskReasonRefused, PhoneError, SecondStepError):
        assert issubclass(refusal, Refused), refusal

    # Views and the admin read ``error.message`` of a refusal, never ``str(error)``.
    shown_as_str = [
        f"{relative}:{node.lineno}"
        for relative, tree in _trees().items()
        if relative.endswith(("views.py", "admin.py"))
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "str"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id in {"error", "refused", "refusal"}
    ]
    assert shown_as_str == [], shown_as_str

    # Services raise no ValidationError at the user: that is for forms and the shape of input.
    raised = [
        f"{relative}:{node.lineno}"
        for relative, tree in _trees().items()
        if "services" in relative
        for node in ast.walk(tree)
        if isinstance(node, ast.Raise) and node.exc is not None and "ValidationError" in _names_in(node.exc)
    ]
    assert raised == [], raised


def test_a_refusal_reads_the_same_whichever_app_raised_it():
    from security.errors import Refused
    from security.phone.errors import SmsCodeRejected

    plain = Refused("Nope.", code="nope", status=409)
    assert (plain.message, str(plain), plain.code, plain.status) == ("Nope.", "Nope.", "nope", 409)
    coded = SmsCodeRejected("expired")
    assert coded.code == "expired" and coded.status == 400 and str(coded) == coded.message != "expired"

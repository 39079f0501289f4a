"""SQL for the mail-server contract (docs/mail-server.md, "The views": names and columns are a fixed interface).

Invariants:
- ``mail_app_passwords(login, service, token_sha256, app_password_id)`` has one row per active app password and
  service it opens. Active means: user active, not revoked, not expired *at query time* (compared with the
  database's own UTC clock), so revoking or expiring takes effect on the very next SMTP AUTH.
- ``mail_accounts(login, password)`` has a row only for an active user without two-step verification, who is not
  required to set it up again (a helpdesk reset with "require setup": the state after a lost phone or a
  compromise, when the main password must not open the mailbox), while the site option allows the main password
  for mail, and only when Dovecot can verify the stored hash (Django's
  ``argon2$argon2id$`` as ``{ARGON2ID}$argon2id$``, ``bcrypt$$2b$`` as ``{BLF-CRYPT}$2b$``). Anything else: no row.
- Both lookups are index seeks: ``token_sha256`` is unique, ``accounts_user.email`` is unique.
"""

APP_PASSWORD_TABLE = "app_passwords_apppassword"  # noqa: S105 - a table name
SERVICE_TABLE = "app_passwords_mailservice"
SITE_OPTION_TABLE = "app_passwords_mailsiteoption"

# The database's "now" in UTC, in the form Django stores datetimes on that backend.
_NOW = {
    # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC as text; this compares correctly as text.
    "sqlite": "strftime('%Y-%m-%d %H:%M:%f', 'now')",
    # timestamptz against timestamptz: the session time zone does not matter.
    "postgresql": "CURRENT_TIMESTAMP",
    # Django stores naive UTC in DATETIME(6); CURRENT_TIMESTAMP would be in the session time zone.
    "mysql": "UTC_TIMESTAMP(6)",
}
_TRUE = {"sqlite": "1", "postgresql": "TRUE", "mysql": "1"}
_FALSE = {"sqlite": "0", "postgresql": "FALSE", "mysql": "0"}


def _concat(vendor: str, left: str, right: str) -> str:
    return f"CONCAT({left}, {right})" if vendor == "mysql" else f"{left} || {right}"


# Each migration that changes a view creates it from its own revision, so an old migration keeps creating exactly
# what it created before (revision 2 reads accounts_user.two_step_setup_required, which revision 1 predates).
VIEWS_REVISION = 2


def create_views_sql(vendor: str, *, revision: int = VIEWS_REVISION) -> list[str]:
    now, true, false = _NOW[vendor], _TRUE[vendor], _FALSE[vendor]
    setup_required = f"\n  AND u.two_step_setup_required = {false}" if revision >= 2 else ""
    argon2 = _concat(vendor, "'{ARGON2ID}'", "SUBSTR(u.password, 7)")
    bcrypt = _concat(vendor, "'{BLF-CRYPT}'", "SUBSTR(u.password, 8)")
    return [
        f"""CREATE VIEW mail_app_passwords AS
SELECT u.email AS login, s.service AS service, ap.token_sha256 AS token_sha256, ap.id AS app_password_id
FROM {APP_PASSWORD_TABLE} ap
JOIN accounts_user u ON u.id = ap.user_id
JOIN {SERVICE_TABLE} s ON s.scope = ap.scope
WHERE u.is_active = {true}
  AND ap.revoked_at IS NULL
  AND (ap.expires_at IS NULL OR ap.expires_at > {now})""",  # noqa: S608 - constants only, no input
        f"""CREATE VIEW mail_accounts AS
SELECT u.email AS login,
       CASE WHEN u.password LIKE 'argon2$argon2id$%' THEN {argon2}
            WHEN u.password LIKE 'bcrypt$$2%' THEN {bcrypt}
       END AS password
FROM accounts_user u
WHERE u.is_active = {true}
  AND u.two_step_enabled = {false}{setup_required}
  AND (u.password LIKE 'argon2$argon2id$%' OR u.password LIKE 'bcrypt$$2%')
  AND EXISTS (SELECT 1 FROM {SITE_OPTION_TABLE} o WHERE o.id = 1 AND o.main_password_for_mail = {true})""",  # noqa: S608
    ]


DROP_VIEWS_SQL = ["DROP VIEW IF EXISTS mail_accounts", "DROP VIEW IF EXISTS mail_app_passwords"]

# The two lookups Dovecot makes (deploy/dovecot/*.conf.ext), with placeholders, for EXPLAIN in docs and bench.
APP_PASSWORD_LOOKUP = (
    "SELECT NULL AS password, 'Y' AS nopassword, app_password_id AS x_app_password_id "  # noqa: S105
    "FROM mail_app_passwords WHERE login = %s AND service = %s AND token_sha256 = %s"
)
MAIN_PASSWORD_LOOKUP = "SELECT login AS user, password FROM mail_accounts WHERE login = %s"  # noqa: S105


def lookup_plans(connection, *, login="user1@example.com", token="0" * 64) -> dict[str, str]:
    """EXPLAIN of both Dovecot lookups on this database (docs/mail-server.md, bench/smtp_auth.py)."""
    prefix = {"sqlite": "EXPLAIN QUERY PLAN ", "postgresql": "EXPLAIN ", "mysql": "EXPLAIN "}[connection.vendor]
    plans = {}
    for label, sql, params in (
        ("mail_app_passwords", APP_PASSWORD_LOOKUP, [login, "smtp", token]),
        ("mail_accounts", MAIN_PASSWORD_LOOKUP, [login]),
    ):
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            columns = [col[0] for col in cursor.description]
            lines = [" | ".join(columns)] if connection.vendor == "mysql" else []
            lines += [" | ".join("" if v is None else str(v) for v in row) for row in cursor.fetchall()]
        plans[label] = "\n".join(lines)
    return plans

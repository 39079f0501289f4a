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
- Both lookups are index seeks on ONE table (revision 3, issue 20): the portal keeps two lookup tables,
  ``mail_app_password_lookup`` (one row per app password that is not revoked, of an active user, and service it
  opens, with its ``expires_at``) and ``mail_account_lookup`` (one row per account whose main password opens mail),
  and the views only select from them (the app-password view compares ``expires_at`` with the database's clock).
  A view joining three tables cost PostgreSQL a fresh plan of the join on each of Dovecot's literal queries and
  MariaDB three table opens with their privilege checks (docs/performance.md).
- The lookup tables are kept exact by database triggers (``lookup_triggers_sql``) on every table they derive from,
  in the same transaction as the write, whatever made it: a service, the admin, ``QuerySet.update()``, a cascade
  delete, raw SQL. An UPDATE that touches none of the columns the lookups read (``last_login`` at every web sign-in,
  ``last_used_*`` at every mail login the policy server reports) does nothing. They hold derived data only:
  ``lookup_refresh_all_sql`` rebuilds them from scratch, and ``post_migrate`` does so and recreates the triggers
  when a trigger is missing or differs from this code (SQLite drops a table's triggers when a migration rebuilds
  that table).
"""

# ruff: noqa: S608 - every statement here is built from constants and column names, never from input

from dataclasses import dataclass

APP_PASSWORD_TABLE = "app_passwords_apppassword"  # noqa: S105 - a table name
SERVICE_TABLE = "app_passwords_mailservice"
SITE_OPTION_TABLE = "app_passwords_mailsiteoption"
USER_TABLE = "accounts_user"
APP_PASSWORD_LOOKUP_TABLE = "mail_app_password_lookup"  # noqa: S105 - a table name
ACCOUNT_LOOKUP_TABLE = "mail_account_lookup"

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
VIEWS_REVISION = 3


def create_views_sql(vendor: str, *, revision: int = VIEWS_REVISION) -> list[str]:
    now, true, false = _NOW[vendor], _TRUE[vendor], _FALSE[vendor]
    if revision >= 3:
        return [
            f"""CREATE VIEW mail_app_passwords AS
SELECT login, service, token_sha256, app_password_id
FROM {APP_PASSWORD_LOOKUP_TABLE}
WHERE expires_at IS NULL OR expires_at > {now}""",
            f"CREATE VIEW mail_accounts AS SELECT login, password FROM {ACCOUNT_LOOKUP_TABLE}",
        ]
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
  AND (ap.expires_at IS NULL OR ap.expires_at > {now})""",
        f"""CREATE VIEW mail_accounts AS
SELECT u.email AS login,
       CASE WHEN u.password LIKE 'argon2$argon2id$%' THEN {argon2}
            WHEN u.password LIKE 'bcrypt$$2%' THEN {bcrypt}
       END AS password
FROM accounts_user u
WHERE u.is_active = {true}
  AND u.two_step_enabled = {false}{setup_required}
  AND (u.password LIKE 'argon2$argon2id$%' OR u.password LIKE 'bcrypt$$2%')
  AND EXISTS (SELECT 1 FROM {SITE_OPTION_TABLE} o WHERE o.id = 1 AND o.main_password_for_mail = {true})""",
    ]


DROP_VIEWS_SQL = ["DROP VIEW IF EXISTS mail_accounts", "DROP VIEW IF EXISTS mail_app_passwords"]


# --- "Two-step verification is on", for the mail server -------------------------------------------------------------
@dataclass(frozen=True)
class StrongFactor:
    """A table whose rows are second factors: while a user has one, the main password opens no mail."""

    table: str
    user_column: str = "user_id"
    condition: str = ""  # extra SQL on the factor's row, ``{true}``/``{false}`` filled per database


# THE definition. Two-step is on for mail when the portal's flag says so OR any strong factor is on record (so a
# factor row deleted or added behind the portal's back can only close the main password, never open it). Adding a
# factor table (passkeys) is one line here: the lookup and the triggers on that table are generated from it. A
# migration passes its own frozen copy, so it keeps creating what it created.
STRONG_FACTORS = (
    StrongFactor("two_factor_authenticatordevice", condition="f.confirmed = {true}"),
    StrongFactor("passkeys_passkey"),  # security/passkeys: every row is a registered key
)


def two_step_on_sql(vendor: str, *, user: str = "u", factors=STRONG_FACTORS) -> str:
    true = _TRUE[vendor]
    terms = [f"{user}.two_step_enabled = {true}"]
    for factor in factors:
        extra = f" AND {factor.condition.format(true=true, false=_FALSE[vendor])}" if factor.condition else ""
        terms.append(
            f"EXISTS (SELECT 1 FROM {factor.table} f WHERE f.{factor.user_column} = {user}.id{extra})"
        )
    return "(" + " OR ".join(terms) + ")"


# --- The lookup tables and the statements that keep them exact -------------------------------------------------------
def _account_rows_select(vendor: str, where: str, factors) -> str:
    """The ``mail_account_lookup`` rows (user_id, login, password) of the users matching ``where``."""
    true, false = _TRUE[vendor], _FALSE[vendor]
    argon2 = _concat(vendor, "'{ARGON2ID}'", "SUBSTR(u.password, 7)")
    bcrypt = _concat(vendor, "'{BLF-CRYPT}'", "SUBSTR(u.password, 8)")
    return f"""SELECT u.id, u.email,
       CASE WHEN u.password LIKE 'argon2$argon2id$%' THEN {argon2}
            WHEN u.password LIKE 'bcrypt$$2%' THEN {bcrypt}
       END
FROM {USER_TABLE} u
WHERE {where}
  AND u.is_active = {true}
  AND NOT {two_step_on_sql(vendor, factors=factors)}
  AND u.two_step_setup_required = {false}
  AND (u.password LIKE 'argon2$argon2id$%' OR u.password LIKE 'bcrypt$$2%')
  AND EXISTS (SELECT 1 FROM {SITE_OPTION_TABLE} o WHERE o.id = 1 AND o.main_password_for_mail = {true})"""


def _app_password_rows_select(vendor: str, where: str) -> str:
    """The ``mail_app_password_lookup`` rows of the app passwords matching ``where``. Expired ones stay in: the view
    compares ``expires_at`` with the clock at query time."""
    return f"""SELECT ap.token_sha256, s.service, u.email, ap.id, u.id, ap.expires_at
FROM {APP_PASSWORD_TABLE} ap
JOIN {USER_TABLE} u ON u.id = ap.user_id
JOIN {SERVICE_TABLE} s ON s.scope = ap.scope
WHERE {where}
  AND u.is_active = {_TRUE[vendor]}
  AND ap.revoked_at IS NULL"""


_ACCOUNT_INSERT = f"INSERT INTO {ACCOUNT_LOOKUP_TABLE} (user_id, login, password) "
_APP_PASSWORD_INSERT = (
    f"INSERT INTO {APP_PASSWORD_LOOKUP_TABLE} (token_sha256, service, login, app_password_id, user_id, expires_at) "
)


def _refresh_accounts(vendor: str, keys: str, factors) -> list[str]:
    """Statements that make the account rows of the user ids in ``keys`` (SQL, e.g. ``OLD.id, NEW.id``) exact."""
    return [
        f"DELETE FROM {ACCOUNT_LOOKUP_TABLE} WHERE user_id IN ({keys})",
        _ACCOUNT_INSERT + _account_rows_select(vendor, f"u.id IN ({keys})", factors),
    ]


def _refresh_user_app_passwords(vendor: str, keys: str) -> list[str]:
    return [
        f"DELETE FROM {APP_PASSWORD_LOOKUP_TABLE} WHERE user_id IN ({keys})",
        _APP_PASSWORD_INSERT + _app_password_rows_select(vendor, f"u.id IN ({keys})"),
    ]


def _refresh_app_passwords(vendor: str, keys: str) -> list[str]:
    return [
        f"DELETE FROM {APP_PASSWORD_LOOKUP_TABLE} WHERE app_password_id IN ({keys})",
        _APP_PASSWORD_INSERT + _app_password_rows_select(vendor, f"ap.id IN ({keys})"),
    ]


def lookup_refresh_all_sql(vendor: str, *, factors=STRONG_FACTORS) -> list[str]:
    """Rebuild both lookup tables from the portal's tables (the migration's backfill, ``post_migrate``)."""
    return [
        f"DELETE FROM {ACCOUNT_LOOKUP_TABLE}",
        _ACCOUNT_INSERT + _account_rows_select(vendor, "1 = 1", factors),
        f"DELETE FROM {APP_PASSWORD_LOOKUP_TABLE}",
        _APP_PASSWORD_INSERT + _app_password_rows_select(vendor, "1 = 1"),
    ]


def _trigger_bodies(vendor: str, factors) -> dict[tuple[str, str], list[str]]:
    """(table, event) -> the statements its row trigger runs. ``OLD``/``NEW`` are the row before/after."""

    def both(old: str, new: str) -> str:
        return f"{old}, {new}"

    every_account = [
        f"DELETE FROM {ACCOUNT_LOOKUP_TABLE}",
        _ACCOUNT_INSERT + _account_rows_select(vendor, "1 = 1", factors),
    ]
    every_app_password = [
        f"DELETE FROM {APP_PASSWORD_LOOKUP_TABLE}",
        _APP_PASSWORD_INSERT + _app_password_rows_select(vendor, "1 = 1"),
    ]
    bodies = {
        (USER_TABLE, "INSERT"): _refresh_accounts(vendor, "NEW.id", factors),
        (USER_TABLE, "UPDATE"): _refresh_accounts(vendor, both("OLD.id", "NEW.id"), factors)
        + _refresh_user_app_passwords(vendor, both("OLD.id", "NEW.id")),
        (USER_TABLE, "DELETE"): [
            f"DELETE FROM {ACCOUNT_LOOKUP_TABLE} WHERE user_id = OLD.id",
            f"DELETE FROM {APP_PASSWORD_LOOKUP_TABLE} WHERE user_id = OLD.id",
        ],
        (APP_PASSWORD_TABLE, "INSERT"): _refresh_app_passwords(vendor, "NEW.id"),
        (APP_PASSWORD_TABLE, "UPDATE"): _refresh_app_passwords(vendor, both("OLD.id", "NEW.id")),
        (APP_PASSWORD_TABLE, "DELETE"): [f"DELETE FROM {APP_PASSWORD_LOOKUP_TABLE} WHERE app_password_id = OLD.id"],
        (SITE_OPTION_TABLE, "INSERT"): every_account,
        (SITE_OPTION_TABLE, "UPDATE"): every_account,
        (SITE_OPTION_TABLE, "DELETE"): every_account,
        (SERVICE_TABLE, "INSERT"): every_app_password,
        (SERVICE_TABLE, "UPDATE"): every_app_password,
        (SERVICE_TABLE, "DELETE"): every_app_password,
    }
    for factor in factors:
        column = factor.user_column
        bodies[(factor.table, "INSERT")] = _refresh_accounts(vendor, f"NEW.{column}", factors)
        bodies[(factor.table, "UPDATE")] = _refresh_accounts(vendor, both(f"OLD.{column}", f"NEW.{column}"), factors)
        bodies[(factor.table, "DELETE")] = _refresh_accounts(vendor, f"OLD.{column}", factors)
    return bodies


# The columns each lookup reads, per table: an UPDATE that changes none of them leaves the lookups as they are.
_UPDATE_COLUMNS = {
    USER_TABLE: ("id", "email", "is_active", "password", "two_step_enabled", "two_step_setup_required"),
    APP_PASSWORD_TABLE: ("id", "user_id", "scope", "token_sha256", "expires_at", "revoked_at"),
}


def _changed_sql(vendor: str, table: str) -> str:
    """SQL true when the row's UPDATE changed a column the lookups read (NULL-safe), or "" for every UPDATE."""
    columns = _UPDATE_COLUMNS.get(table)
    if not columns:
        return ""
    template = {
        "postgresql": "OLD.{c} IS DISTINCT FROM NEW.{c}",
        "sqlite": "OLD.{c} IS NOT NEW.{c}",
        "mysql": "NOT (OLD.{c} <=> NEW.{c})",
    }[vendor]
    return " OR ".join(template.format(c=column) for column in columns)


def _trigger_name(table: str, event: str) -> str:
    return f"mail_lookup_{table}_{event.lower()}"[:63]


def lookup_triggers_sql(vendor: str, *, factors=STRONG_FACTORS) -> list[str]:
    """CREATE statements for every trigger that keeps the lookup tables exact (after ``lookup_triggers_drop_sql``)."""
    statements = []
    for (table, event), body in _trigger_bodies(vendor, factors).items():
        name = _trigger_name(table, event)
        changed = _changed_sql(vendor, table) if event == "UPDATE" else ""
        lines = "".join(f"  {statement};\n" for statement in body)
        if changed and vendor != "sqlite":  # inside the body, so lookup_triggers_current sees it
            lines = f"  IF {changed} THEN\n{lines}  END IF;\n"
        if vendor == "postgresql":
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $mail_lookup$\nBEGIN\n"
                + lines
                + "  RETURN NULL;\nEND\n$mail_lookup$"  # not $$: the hash patterns contain $$
            )
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:  # SQLite and MariaDB share the syntax (MariaDB: one statement, no DELIMITER needed from a client)
            when = f"WHEN {changed} " if changed and vendor == "sqlite" else ""
            statements.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when}BEGIN\n{lines}END")
    return statements


def _expected_trigger_sources(vendor: str, factors) -> dict[str, str]:
    """name -> the text the database keeps for that trigger (SQLite: the CREATE statement; PostgreSQL: the
    function's body; MariaDB: the trigger's BEGIN ... END)."""
    sources = {}
    for statement in lookup_triggers_sql(vendor, factors=factors):
        if vendor == "postgresql":
            if statement.startswith("CREATE FUNCTION"):
                name = statement.split()[2].removesuffix("()")
                sources[name] = statement.split("$mail_lookup$")[1]
        else:
            name = statement.split()[2]
            sources[name] = statement if vendor == "sqlite" else statement[statement.index("BEGIN\n") :]
    return sources


def lookup_triggers_current(connection, *, factors=STRONG_FACTORS) -> bool:
    """Whether every trigger exists with exactly the text this code would create. Recreating them changes the
    schema, and Dovecot 2.3's SQLite driver then fails its next lookup ("database schema has changed"), so
    ``post_migrate`` recreates them only when this is False."""
    vendor = connection.vendor
    queries = {
        "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'",
        "postgresql": "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_trigger t ON t.tgfoid = p.oid",
        "mysql": "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS "
        "WHERE TRIGGER_SCHEMA = DATABASE()",
    }
    with connection.cursor() as cursor:
        cursor.execute(queries[vendor])
        found = dict(cursor.fetchall())
    return all(found.get(name) == source for name, source in _expected_trigger_sources(vendor, factors).items())


def lookup_triggers_drop_sql(vendor: str, *, factors=STRONG_FACTORS) -> list[str]:
    statements = []
    for table, event in _trigger_bodies(vendor, factors):
        name = _trigger_name(table, event)
        if vendor == "postgresql":
            statements.append(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
    return statements


def lookup_tables_needed(factors=STRONG_FACTORS) -> set[str]:
    """Every table the triggers are on or read: ``post_migrate`` syncs only when all exist."""
    return {
        USER_TABLE, APP_PASSWORD_TABLE, SERVICE_TABLE, SITE_OPTION_TABLE, APP_PASSWORD_LOOKUP_TABLE,
        ACCOUNT_LOOKUP_TABLE, *(factor.table for factor in factors),
    }

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

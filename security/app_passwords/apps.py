from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AppPasswordsConfig(AppConfig):
    name = "security.app_passwords"
    label = "app_passwords"
    verbose_name = _("App passwords")

    def ready(self):
        from accounts.services.passwords import password_change_consequence_register
        from accounts.signals import credentials_reset

        from . import services
        from .selectors import password_change_revokes_app_passwords

        password_change_consequence_register(password_change_revokes_app_passwords)
        credentials_reset.connect(services.app_passwords_on_credentials_reset, dispatch_uid="app_passwords_reset")
        post_migrate.connect(_sync_site_options, sender=self, dispatch_uid="app_passwords_site_options")
        post_migrate.connect(_rebuild_mail_lookups, sender=self, dispatch_uid="app_passwords_mail_lookups")
        post_migrate.connect(_regrant_mail_roles, sender=self, dispatch_uid="app_passwords_mail_roles")
        from . import dovecot_cache

        dovecot_cache.connect()


def _sync_site_options(sender, using="default", plan=None, **kwargs):
    from django.db import connections

    from .services import mail_site_options_sync

    # Not when this app's migrations were just unapplied.
    if "app_passwords_mailsiteoption" in connections[using].introspection.table_names():
        mail_site_options_sync()


def _rebuild_mail_lookups(sender, using="default", plan=None, **kwargs):
    from django.db import connections

    from .mail_views import lookup_tables_needed
    from .services import mail_lookups_rebuild

    # SQLite drops a table's triggers when a migration rebuilds the table: create them again, refill the tables.
    if lookup_tables_needed() <= set(connections[using].introspection.table_names()):
        mail_lookups_rebuild(using=using)


def _regrant_mail_roles(sender, using="default", plan=None, **kwargs):
    from .management.commands.mail_server_role import postgresql_roles_regrant

    # A migration that recreated a view dropped the read-only role's SELECT on it (PostgreSQL).
    postgresql_roles_regrant(using)

"""The account-password hasher: Argon2id with a cost taken from settings.

Django stores ``argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash``; the ``mail_accounts`` view hands Dovecot the same
string as ``{ARGON2ID}$argon2id$…``, which Dovecot 2.3 verifies. The memory cost must stay below the Dovecot auth
worker's ``vsz_limit`` (256 MiB by default), or Dovecot fails the check silently as a mismatch.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher

from portal.conf import portal_settings


class PortalArgon2Hasher(Argon2PasswordHasher):
    # Same algorithm name as Django's, so existing hashes verify and a cost change only triggers a rehash.
    algorithm = "argon2"

    @property
    def time_cost(self):
        return portal_settings.argon2_time_cost

    @property
    def memory_cost(self):
        return portal_settings.argon2_memory_cost_kib

    @property
    def parallelism(self):
        return portal_settings.argon2_parallelism

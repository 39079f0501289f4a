"""Security events of passkeys (see ``security.audit``). Details hold a key's name, never its credential or key."""

from django.utils.translation import gettext_lazy as _

PASSKEY_ADDED = "passkeys.added"
PASSKEY_RENAMED = "passkeys.renamed"
PASSKEY_REMOVED = "passkeys.removed"
PASSKEY_CLONE_SUSPECTED = "passkeys.clone_suspected"

EVENT_KINDS = {
    PASSKEY_ADDED: _("Passkey added"),
    PASSKEY_RENAMED: _("Passkey renamed"),
    PASSKEY_REMOVED: _("Passkey removed"),
    PASSKEY_CLONE_SUSPECTED: _("A passkey answered with an old counter (a copied key?) and was refused"),
}

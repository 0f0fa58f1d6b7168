"""How the payments app's ledger entries read on the wallet page (kameng.ledger.labels)."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from kameng.ledger.labels import register_entry_labels

    register_entry_labels([(r"^payment:(?P<payment>\d+):captured$", _("Wallet top-up #%(payment)s"))])

"""How evidence events read on the case timeline (kameng.timeline.labels)."""

from django.utils.translation import gettext_lazy as _

from kameng.evidence.models import EvidenceKind

LABELS = {
    "evidence.added": _("Evidence added"),
    "evidence.withdrawn": _("Evidence withdrawn"),
}


def register() -> None:
    from kameng.timeline.labels import choice, ref, register_fields, register_kind_labels, text

    register_kind_labels(LABELS)
    register_fields(
        {
            "item": ref(_("Evidence #%(id)s")),
            "kind": choice(_("Kind"), dict(EvidenceKind.choices)),
            "reason": text(_("Reason")),
        },
        kinds=list(LABELS),
    )

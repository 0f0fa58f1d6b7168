from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kameng.evidence"
    label = "evidence"

    def ready(self) -> None:
        from kameng.core.periodic import register
        from kameng.evidence import timeline_labels
        from kameng.evidence.sealing import seal_due

        timeline_labels.register()

        register("evidence_seal", seal_due)

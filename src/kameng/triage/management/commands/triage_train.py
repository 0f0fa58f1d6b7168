"""`kameng triage_train` rebuilds data/model.json from data/complaints.jsonl (train split only)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from kameng.triage import dataset, training


class Command(BaseCommand):
    help = "Train the problem-type model on the labelled complaints (train split) and write it as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=dataset.DATASET_PATH, help="labelled complaints (JSONL)")
        parser.add_argument("--out", type=Path, default=training.MODEL_PATH, help="where to write the model")

    def handle(self, *args, data: Path, out: Path, **options):
        model = training.train(data_path=data)
        training.write(model, out)
        self.stdout.write(
            f"Trained on {model['trained_on']} texts, {len(model['vocabulary'])} features, "
            f"{len(model['classes'])} subtypes; wrote {out} (dataset {model['dataset_sha256'][:12]})."
        )

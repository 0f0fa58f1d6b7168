"""`kameng triage_eval` prints the shipped model's held-out top-1/top-3 accuracy, the confusion
matrix and recall per subtype."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from kameng.triage import dataset, scoring
from kameng.triage.evaluation import evaluate, format_report


class Command(BaseCommand):
    help = "Measure the problem-type model on the held-out complaints: top-1, top-3, confusion matrix."

    def add_arguments(self, parser):
        parser.add_argument("--data", type=Path, default=dataset.DATASET_PATH)
        parser.add_argument("--model", type=Path, default=scoring.MODEL_PATH)
        parser.add_argument("--split", choices=dataset.SPLITS, default="heldout")

    def handle(self, *args, data: Path, model: Path, split: str, **options):
        rows = [r for r in dataset.load(data) if r.split == split]
        report = evaluate(scoring.load(model), rows)
        self.stdout.write(format_report(report))

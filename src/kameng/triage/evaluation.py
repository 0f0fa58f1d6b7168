"""Held-out figures of the problem-type model (``kameng triage_eval`` and the test suite): top-1 and
top-3 accuracy, the confusion matrix (true subtype × predicted subtype) and recall per subtype.
Text only: the order's facts are not part of this measure."""

from __future__ import annotations

from dataclasses import dataclass

from kameng.triage.dataset import Row
from kameng.triage.scoring import Model


@dataclass(frozen=True)
class Report:
    n: int
    top1: float
    top3: float
    classes: tuple[str, ...]
    confusion: dict[str, dict[str, int]]  # true → predicted → count
    recall: dict[str, float]


def evaluate(model: Model, rows: list[Row]) -> Report:
    classes = model.classes
    confusion = {t: dict.fromkeys(classes, 0) for t in classes}
    hit1 = hit3 = 0
    for row in rows:
        probs = model.probabilities(row.text)
        ranked = sorted(classes, key=lambda c: (-probs[c], classes.index(c)))
        confusion[row.subtype][ranked[0]] += 1
        hit1 += ranked[0] == row.subtype
        hit3 += row.subtype in ranked[:3]
    n = len(rows)
    recall = {t: (confusion[t][t] / sum(confusion[t].values()) if sum(confusion[t].values()) else 0.0) for t in classes}
    return Report(n, hit1 / n if n else 0.0, hit3 / n if n else 0.0, classes, confusion, recall)


def format_report(report: Report) -> str:
    short = {c: f"{i:>2}" for i, c in enumerate(report.classes)}
    width = max(len(c) for c in report.classes)
    lines = [
        f"held-out rows: {report.n}",
        f"top-1 accuracy: {report.top1:.1%}",
        f"top-3 accuracy: {report.top3:.1%}",
        "",
        "confusion matrix (rows: true subtype, columns: predicted, numbered as the rows):",
        " " * (width + 4) + " ".join(f"{short[c]:>3}" for c in report.classes) + "  recall",
    ]
    for t in report.classes:
        cells = " ".join(f"{(report.confusion[t][p] or '.'):>3}" for p in report.classes)
        lines.append(f"{short[t]} {t:<{width}} {cells}  {report.recall[t]:.0%}")
    return "\n".join(lines)

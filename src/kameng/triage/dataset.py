"""The labelled complaint texts (data/complaints.jsonl): one JSON object a line with ``text``,
``subtype`` (a code of kameng.rulebook.problems.SUBTYPES) and ``split`` ("train" or "heldout").

The split was drawn once, per subtype (stratified), with a seeded shuffle (seed
``kameng-triage-11:<subtype>``, 28 % held out) and is stored in the file itself, so it never moves:
the model is trained on "train" only and measured on "heldout" only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from kameng.rulebook.problems import SUBTYPES

DATA_DIR = Path(__file__).resolve().parent / "data"
DATASET_PATH = DATA_DIR / "complaints.jsonl"
SPLITS = ("train", "heldout")


@dataclass(frozen=True)
class Row:
    text: str
    subtype: str
    split: str


def load(path: Path = DATASET_PATH) -> list[Row]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        row = Row(text=item["text"], subtype=item["subtype"], split=item["split"])
        if row.subtype not in SUBTYPES or row.split not in SPLITS or not row.text.strip():
            raise ValueError(f"{path.name} line {n}: bad row {item!r}")
        rows.append(row)
    return rows


def sha256(path: Path = DATASET_PATH) -> str:
    """The dataset's fingerprint, stored in the model it was trained from."""
    return hashlib.sha256(path.read_bytes()).hexdigest()

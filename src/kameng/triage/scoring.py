"""The shipped problem-type model at request time: data/model.json read once per process and
scored with pure Python (no scikit-learn): sublinear TF × idf, L2-normalised, one dot product per
class, softmax. Mirrors exactly what TfidfVectorizer + LogisticRegression compute in training.py.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kameng.triage.dataset import DATA_DIR
from kameng.triage.features import tokens

MODEL_PATH = DATA_DIR / "model.json"
_lock = threading.Lock()
_loaded: dict[Path, Model] = {}


@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    index: dict[str, int]
    idf: tuple[float, ...]
    # feature index → [(class index, weight)], only the non-zero weights
    weights: dict[int, tuple[tuple[int, float], ...]]
    intercept: tuple[float, ...]
    dataset_sha256: str
    version: str  # the first 12 hex digits of the model file's SHA-256

    def probabilities(self, text: str) -> dict[str, float]:
        counts = Counter(self.index[t] for t in tokens(text) if t in self.index)
        vector = {i: (1.0 + math.log(c)) * self.idf[i] for i, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        scores = list(self.intercept)
        for i, v in vector.items():
            for k, w in self.weights.get(i, ()):
                scores[k] += w * v / norm
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}


def parse(raw: bytes) -> Model:
    data = json.loads(raw)
    weights: dict[int, list[tuple[int, float]]] = {}
    for k, row in enumerate(data["coef"]):
        for i, w in enumerate(row):
            if w:
                weights.setdefault(i, []).append((k, w))
    return Model(
        classes=tuple(data["classes"]),
        index={t: i for i, t in enumerate(data["vocabulary"])},
        idf=tuple(data["idf"]),
        weights={i: tuple(ws) for i, ws in weights.items()},
        intercept=tuple(data["intercept"]),
        dataset_sha256=data["dataset_sha256"],
        version=hashlib.sha256(raw).hexdigest()[:12],
    )


def load(path: Path = MODEL_PATH) -> Model:
    """The model at ``path``, read once per process."""
    model = _loaded.get(path)
    if model is None:
        with _lock:
            model = _loaded.get(path)
            if model is None:
                model = _loaded[path] = parse(path.read_bytes())
    return model

"""Training the problem-type model (``kameng triage_train``): TF-IDF over features.tokens and a
multinomial logistic regression from scikit-learn, exported as plain JSON (never pickle): the
vocabulary, idf, one coefficient row per class, intercepts, classes and the dataset's SHA-256.

Deterministic: the rows are taken in file order, the vocabulary is sorted, lbfgs has no random
state to speak of (random_state fixed anyway) and numbers are rounded before they are written, so
training twice on the same file writes the same bytes. scikit-learn is imported here only; the
runtime (scoring.py) reads the JSON with pure Python.
"""

from __future__ import annotations

import json
from pathlib import Path

from kameng.rulebook.problems import SUBTYPES
from kameng.triage import dataset
from kameng.triage.features import FEATURES_VERSION, tokens

MODEL_PATH = dataset.DATA_DIR / "model.json"
# Hyper-parameters, chosen by 5-fold cross-validation on the training split only (never on the
# held-out one): C in {5, 20, 50} × min_df in {1, 2} all scored 84–85 %; min_df=2 keeps the file
# at less than half the size (a feature seen in one text only says little) for a 0.6-point loss.
C = 20.0
MIN_DF = 2
TOL = 1e-4
DIGITS = 4  # rounding of idf and coefficients in the JSON


def train(*, data_path: Path = dataset.DATASET_PATH) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [r for r in dataset.load(data_path) if r.split == "train"]
    classes = [code for code in SUBTYPES if any(r.subtype == code for r in rows)]
    vectorizer = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, min_df=MIN_DF, norm="l2")
    x = vectorizer.fit_transform([r.text for r in rows])
    y = [classes.index(r.subtype) for r in rows]
    clf = LogisticRegression(C=C, max_iter=5000, tol=TOL, random_state=11)
    clf.fit(x, y)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    return {
        "format": "kameng-triage/1",
        "features": FEATURES_VERSION,
        "dataset_sha256": dataset.sha256(data_path),
        "trained_on": len(rows),
        "classes": classes,
        "params": {"C": C, "min_df": MIN_DF, "tol": TOL, "sublinear_tf": True, "norm": "l2"},
        "vocabulary": vocabulary,
        "idf": [round(float(v), DIGITS) for v in vectorizer.idf_],
        "coef": [[round(float(v), DIGITS) for v in row] for row in clf.coef_],
        "intercept": [round(float(v), DIGITS) for v in clf.intercept_],
    }


def write(model: dict, path: Path = MODEL_PATH) -> Path:
    path.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n", "utf-8")
    return path

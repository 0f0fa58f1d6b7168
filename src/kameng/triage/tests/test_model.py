"""The shipped model: held-out figures (printed), built from the shipped dataset, rebuilt
byte for byte by `kameng triage_train`, scored at runtime without scikit-learn."""

from __future__ import annotations

import collections
import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from kameng.rulebook.problems import SUBTYPES
from kameng.triage import dataset, scoring, training
from kameng.triage.evaluation import evaluate, format_report

# Floors set a little under the measurement of the shipped model (89.6 % / 97.8 % on 135 texts).
TOP1_FLOOR = 0.87
TOP3_FLOOR = 0.96


def test_dataset_covers_every_subtype_with_enough_training_and_heldout_texts():
    rows = dataset.load()
    counts = collections.Counter((r.subtype, r.split) for r in rows)
    for code in SUBTYPES:
        assert counts[(code, "train")] >= 25, code
        assert counts[(code, "heldout")] >= 8, code
    texts = [r.text for r in rows]
    assert len(texts) == len(set(texts)), "a text appears twice (it could sit on both sides of the split)"
    for example in ("充了100话费三个小时还没到账", "卡密提示已被使用", "客服一直不回"):
        assert example in texts


def test_heldout_accuracy_printed_and_above_the_floors(capsys):
    rows = [r for r in dataset.load() if r.split == "heldout"]
    report = evaluate(scoring.load(), rows)
    with capsys.disabled():  # printed on every run, -s or not
        print("\n[triage] problem type from the buyer's words, held-out set\n" + format_report(report))
    assert report.top1 >= TOP1_FLOOR, report.top1
    assert report.top3 >= TOP3_FLOOR, report.top3
    assert min(report.recall.values()) >= 0.6, report.recall


def test_the_shipped_model_was_built_from_the_shipped_dataset():
    model = json.loads(training.MODEL_PATH.read_text("utf-8"))
    assert model["dataset_sha256"] == dataset.sha256(), "rebuild it: kameng triage_train"
    assert scoring.load().dataset_sha256 == dataset.sha256()
    assert set(model["classes"]) == set(SUBTYPES)
    assert model["trained_on"] == sum(1 for r in dataset.load() if r.split == "train")


def test_rebuilding_the_model_gives_the_shipped_file(tmp_path):
    pytest.importorskip("sklearn")
    out = tmp_path / "model.json"
    call_command("triage_train", out=out, stdout=io.StringIO())
    assert out.read_bytes() == training.MODEL_PATH.read_bytes()


def test_runtime_scoring_agrees_with_scikit_learn_and_never_imports_it():
    pytest.importorskip("sklearn")
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    data = json.loads(training.MODEL_PATH.read_text("utf-8"))
    vectorizer = TfidfVectorizer(analyzer=scoring.tokens, sublinear_tf=True, norm="l2")
    vectorizer.vocabulary_ = {t: i for i, t in enumerate(data["vocabulary"])}
    vectorizer.idf_ = np.array(data["idf"])
    clf = LogisticRegression()
    clf.classes_ = np.arange(len(data["classes"]))
    clf.coef_, clf.intercept_ = np.array(data["coef"]), np.array(data["intercept"])
    model = scoring.load()
    for text in ("卡蜜无效 退款", "Ｑ币没到帐", "客服一直不回!!", "steam code already redeemed"):
        expected = clf.predict_proba(vectorizer.transform([text]))[0]
        got = model.probabilities(text)
        assert [round(got[c], 6) for c in data["classes"]] == [round(float(p), 6) for p in expected]

    probe = (
        "import sys; from kameng.triage import scoring; "
        "p = scoring.load().probabilities('卡密无效'); "
        "assert 'sklearn' not in sys.modules, 'scikit-learn imported at runtime'; print(max(p, key=p.get))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "invalid_key"


def test_eval_command_prints_the_figures_and_the_matrix(capsys):
    call_command("triage_eval")
    out = capsys.readouterr().out
    assert "top-1 accuracy:" in out and "top-3 accuracy:" in out
    for code in SUBTYPES:
        assert code in out

import copy
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from kameng.core.errors import DomainError
from kameng.core.periodic import jobs
from kameng.evidence import merkle
from kameng.evidence.models import Seal, SealLeaf
from kameng.evidence.sealing import event_proof, seal_due, seal_now, verify_event_proof
from kameng.evidence.tests.tsa_server import start_tsa
from kameng.timeline.services import append_event
from tests.helpers import run_threads


@pytest.fixture(autouse=True)
def _platform_key(settings, tmp_path):
    settings.KAMENG_TSA_URL = ""
    settings.KAMENG_SEAL_KEY_FILE = tmp_path / "seal.pem"


def _append(stream: str, n: int = 1):
    return [append_event(stream=stream, kind="order.note", payload={"n": i, "text": "卡密"}) for i in range(n)]


def _leaves(seal: Seal) -> list[tuple[str, int]]:
    return list(seal.leaves.order_by("index").values_list("stream", "seq"))


@pytest.mark.django_db
def test_seal_covers_changed_heads_sorted_by_stream_and_chains_roots():
    _append("order:2", 2)
    _append("case:9")
    first = seal_now()
    assert _leaves(first) == [("case:9", 1), ("order:2", 2)]
    assert first.previous_root == "" and first.leaf_count == 2 and first.method == "ed25519"
    leaves = [merkle.leaf_hash(leaf.stream, leaf.seq, leaf.head_hash) for leaf in first.leaves.order_by("index")]
    assert merkle.root(leaves).hex() == first.root

    _append("order:2")
    _append("order:3")
    second = seal_now()
    assert _leaves(second) == [("order:2", 3), ("order:3", 1)]  # case:9 did not move
    assert second.previous_root == first.root
    assert seal_now() is None  # nothing moved since
    assert Seal.objects.count() == 2


@pytest.mark.django_db
def test_head_committed_with_an_older_time_is_sealed_next_time():
    # An append whose transaction was still open at the cutoff carries a time before it.
    _append("order:1")
    seal_now(now=timezone.now() + timedelta(seconds=30))
    _append("order:1")
    late = seal_now(now=timezone.now() + timedelta(seconds=60))
    assert _leaves(late) == [("order:1", 2)]


@pytest.mark.django_db
def test_periodic_job_is_registered_and_waits_for_the_interval(settings):
    assert "evidence_seal" in dict(jobs())
    settings.KAMENG_SEAL_MINUTES = 10
    _append("order:1")
    now = timezone.now()
    assert seal_due(now).startswith("seal ")
    _append("order:1")
    assert seal_due(now + timedelta(minutes=5)) == "not due"
    assert seal_due(now + timedelta(minutes=11)).startswith("seal ")
    assert seal_due(now + timedelta(minutes=22)) == "nothing changed"


@pytest.mark.django_db
def test_event_proof_not_sealed_yet():
    _append("order:1")
    with pytest.raises(DomainError) as err:
        event_proof(stream="order:1", seq=1)
    assert err.value.code == "evidence.not_sealed"


@pytest.mark.django_db
def test_event_proof_verifies_for_old_and_new_events():
    _append("order:1", 3)
    _append("order:5")
    seal_now()
    _append("order:1", 2)
    _append("case:2")
    seal_now()
    for seq in range(1, 6):
        proof = event_proof(stream="order:1", seq=seq)
        assert verify_event_proof(proof) == [], seq
    old = event_proof(stream="order:1", seq=1)
    assert old["leaf"]["seq"] == 3 and [e["seq"] for e in old["chain"]] == [2, 3]  # the earliest seal
    new = event_proof(stream="order:1", seq=5)
    assert new["chain"] == [] and new["seal"]["previous_root"]
    assert verify_event_proof(new, trusted_pem=new["seal"]["verifier_pem"]) == []


@pytest.mark.django_db
def test_event_proof_fails_when_payload_head_or_seal_altered():
    _append("order:1", 3)
    _append("order:2")
    _append("order:3")
    seal_now()
    proof = event_proof(stream="order:1", seq=1)
    assert verify_event_proof(proof) == []

    def altered(change) -> list[str]:
        doc = copy.deepcopy(proof)
        change(doc)
        return verify_event_proof(doc)

    assert altered(lambda d: d["event"]["payload"].update(n=99))
    assert altered(lambda d: d["chain"][0]["payload"].update(n=99))
    assert altered(lambda d: d["chain"].pop())
    assert altered(lambda d: d["leaf"].update(head_hash="0" * 64))
    assert altered(lambda d: d["seal"].update(root="0" * 64))
    assert altered(lambda d: d["seal"].update(stamped_at="2020-01-01T00:00:00.000000Z"))
    assert altered(lambda d: d["seal"].update(token_b64="AAAA"))
    assert altered(lambda d: d["merkle_path"].reverse() or d["merkle_path"].append(["L", "00" * 32]))
    assert altered(lambda d: d.pop("seal"))
    assert verify_event_proof(proof, trusted_pem="-----BEGIN PUBLIC KEY-----\nother\n")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
@pytest.mark.django_db
def test_seal_with_rfc3161_authority_round_trip(settings, tmp_path):
    server = start_tsa(tmp_path / "tsa")
    try:
        cert_file = tmp_path / "tsa-chain.pem"
        cert_file.write_text(server.cert_pem)
        settings.KAMENG_TSA_URL = server.url
        settings.KAMENG_TSA_CERT_FILE = str(cert_file)
        _append("order:1", 2)
        _append("case:1")
        seal = seal_now()
    finally:
        server.close()
    assert seal.method == "rfc3161" and server.requests == 1
    seal.refresh_from_db()  # the token as the database returns it (memoryview on PostgreSQL)
    for stream, seq in [("order:1", 1), ("order:1", 2), ("case:1", 1)]:
        proof = event_proof(stream=stream, seq=seq)
        assert proof["seal"]["method"] == "rfc3161"
        assert verify_event_proof(proof, trusted_pem=server.cert_pem) == []
    proof["seal"]["root"] = "ab" * 32
    assert verify_event_proof(proof)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_seals_produce_no_duplicate_leaves():
    for i in range(6):
        _append(f"order:{i}", 2)
    results, errors = run_threads(4, lambda i: seal_now())
    assert errors == []
    made = [seal for seal in results if seal is not None]
    assert len(made) == 1  # the others waited on the lock, then found nothing new
    pairs = list(SealLeaf.objects.values_list("stream", "seq"))
    assert len(pairs) == len(set(pairs)) == 6

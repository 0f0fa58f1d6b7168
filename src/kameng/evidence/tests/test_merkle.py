import hashlib

import pytest

from kameng.evidence import merkle


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"order:{i}", i + 1, f"{i:064x}") for i in range(n)]


def test_leaf_and_node_hashes_are_domain_separated():
    leaf = merkle.leaf_hash("order:1", 1, "a" * 64)
    assert leaf == hashlib.sha256(b"\x00order:1\n1\n" + b"a" * 64).digest()
    a, b = _leaves(2)
    assert merkle.root([a, b]) == hashlib.sha256(b"\x01" + a + b).digest()


def test_root_of_nothing_and_of_one():
    assert merkle.root([]) == hashlib.sha256(b"").digest()
    (only,) = _leaves(1)
    assert merkle.root([only]) == only


def test_odd_tree_splits_at_power_of_two_rfc6962():
    a, b, c = _leaves(3)
    node = lambda x, y: hashlib.sha256(b"\x01" + x + y).digest()  # noqa: E731
    assert merkle.root([a, b, c]) == node(node(a, b), c)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17])
def test_proof_for_every_index_verifies(n):
    leaves = _leaves(n)
    root = merkle.root(leaves)
    for i in range(n):
        path = merkle.proof(leaves, i)
        assert merkle.verify_proof(leaves[i], path, root)
        assert merkle.verify_proof(leaves[i], path, root.hex())


@pytest.mark.parametrize("n", [2, 3, 6, 11])
def test_tampered_leaf_path_or_root_fails(n):
    leaves = _leaves(n)
    root = merkle.root(leaves)
    for i in range(n):
        path = merkle.proof(leaves, i)
        assert not merkle.verify_proof(merkle.leaf_hash("order:x", 9, "f" * 64), path, root)
        assert not merkle.verify_proof(leaves[(i + 1) % n], path, root)
        flipped = [("R" if side == "L" else "L", h) for side, h in path]
        assert not merkle.verify_proof(leaves[i], flipped, root)
        assert not merkle.verify_proof(leaves[i], path, hashlib.sha256(b"other").digest())
    assert not merkle.verify_proof(leaves[0], [("X", "00" * 32)], root)
    assert not merkle.verify_proof(leaves[0], [("L", "not hex")], root)


def test_changing_one_head_changes_the_root():
    leaves = _leaves(5)
    changed = [*leaves[:2], merkle.leaf_hash("order:2", 3, "0" * 64), *leaves[3:]]
    assert merkle.root(leaves) != merkle.root(changed)


def test_proof_index_out_of_range():
    with pytest.raises(IndexError):
        merkle.proof(_leaves(3), 3)

import pytest

from kameng.accounts.models import Role
from kameng.catalog.models import Product
from kameng.core.errors import DomainError
from kameng.inventory import crypto
from kameng.inventory.models import CardKey, CardKeyStatus, ImportBatch
from kameng.inventory.selectors import stock_mismatches
from kameng.inventory.services import (
    allocate_card_keys,
    import_card_keys,
    retire_unused_keys,
    reveal_card_key,
    revoke_card_keys,
    rotate_keyring,
)
from kameng.shops.models import ShopStatus
from tests.factories import UserFactory


def stock(product):
    return Product.objects.get(pk=product.pk).stock_available


def test_import_report_and_stock(merchant, product):
    text = "\n".join(
        [
            "code,password",  # header, skipped
            "AAA111,p1",  # 2 accepted
            "BBB222----p2",  # 3 accepted
            "aaa111,other",  # 4 duplicate of line 2 (case and password do not matter)
            "BAD CODE",  # 5 malformed
            "",
            "000777",  # 7 accepted, zeros kept
        ]
    )
    batch = import_card_keys(user=merchant, product_id=product.pk, text=text)
    assert (batch.accepted_count, batch.duplicate_in_file_count, batch.duplicate_on_platform_count) == (3, 1, 0)
    assert batch.malformed_count == 1
    assert batch.report["duplicates_in_file"] == [{"line": 4, "first_line": 2}]
    assert batch.report["malformed"] == [{"line": 5, "reason": "inner_whitespace"}]
    assert batch.report["accepted_lines"] == [2, 3, 7]
    assert batch.report["header_skipped"] is True
    assert stock(product) == 3
    keys = CardKey.objects.filter(batch=batch)
    assert keys.count() == 3 and all(k.status == CardKeyStatus.AVAILABLE for k in keys)
    assert {k.fingerprint for k in keys} == {crypto.fingerprint(c) for c in ("AAA111", "BBB222", "000777")}
    assert not stock_mismatches()


def test_plaintext_is_stored_nowhere(merchant, product):
    batch = import_card_keys(user=merchant, product_id=product.pk, text="SECRETCODE1,SECRETPW1")
    key = CardKey.objects.get(batch=batch)
    assert b"SECRETCODE1" not in bytes(key.ciphertext) and b"SECRETPW1" not in bytes(key.ciphertext)
    assert "SECRETCODE1" not in str(batch.report) and "SECRETCODE1" not in batch.filename


def test_duplicates_on_platform_any_shop_any_status(merchant, product, other_merchant, other_product):
    import_card_keys(user=other_merchant, product_id=other_product.pk, text="SHARED1\nREVOKED1")
    revoked = CardKey.objects.get(fingerprint=crypto.fingerprint("REVOKED1"))
    revoke_card_keys(user=other_merchant, key_ids=[revoked.pk])
    batch = import_card_keys(user=merchant, product_id=product.pk, text="NEW1\nshared1\nREVOKED1")
    assert batch.accepted_count == 1
    # L5: codes held by another shop are only counted, so the report tells no merchant which
    # codes exist elsewhere on the platform
    assert batch.duplicate_on_platform_count == 2
    assert batch.report["duplicates_elsewhere"] == 2 and batch.report["duplicates_in_shop"] == []
    assert "duplicates_on_platform" not in batch.report
    assert stock(product) == 1 and stock(other_product) == 1
    assert CardKey.objects.count() == 3


def test_duplicates_within_the_own_shop_are_listed_line_by_line(merchant, product, other_merchant, other_product):
    import_card_keys(user=merchant, product_id=product.pk, text="MINE1")
    import_card_keys(user=other_merchant, product_id=other_product.pk, text="THEIRS1")
    batch = import_card_keys(user=merchant, product_id=product.pk, text="NEW2\nTHEIRS1\nMINE1")
    assert batch.report["duplicates_in_shop"] == [{"line": 3}]
    assert batch.report["duplicates_elsewhere"] == 1


def test_reimport_of_same_file_accepts_nothing(merchant, product):
    import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2")
    batch = import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2")
    assert batch.accepted_count == 0 and batch.duplicate_on_platform_count == 2
    assert stock(product) == 2


def test_all_malformed_still_records_a_batch(merchant, product):
    batch = import_card_keys(user=merchant, product_id=product.pk, text="A B\nC D")
    assert batch.accepted_count == 0 and batch.malformed_count == 2
    assert stock(product) == 0


def test_empty_import_refused_and_nothing_written(merchant, product):
    for text in ("", "\n\n  \n", "code,password"):
        with pytest.raises(DomainError) as exc:
            import_card_keys(user=merchant, product_id=product.pk, text=text)
        assert exc.value.code == "inventory.import_empty"
    assert ImportBatch.objects.count() == 0


def test_import_from_file_bytes(merchant, product):
    data = "卡号,密码\r\n０１２３４５,密码\r\n".encode("gb18030")
    batch = import_card_keys(user=merchant, product_id=product.pk, data=data, filename="keys.csv")
    assert batch.accepted_count == 1 and batch.source == "file" and batch.filename == "keys.csv"


def test_refuses_non_card_key_product(merchant, topup_product):
    with pytest.raises(DomainError) as exc:
        import_card_keys(user=merchant, product_id=topup_product.pk, text="A1")
    assert exc.value.code == "inventory.not_card_key_product"
    assert CardKey.objects.count() == 0


def test_unpublished_product_is_fine(merchant, product):
    Product.objects.filter(pk=product.pk).update(published=False)
    assert import_card_keys(user=merchant, product_id=product.pk, text="A1").accepted_count == 1


@pytest.mark.parametrize("status", [ShopStatus.FROZEN, ShopStatus.BANNED])
def test_frozen_or_banned_shop_cannot_import(merchant, product, shop, status):
    shop.status = status
    shop.save()
    with pytest.raises(DomainError) as exc:
        import_card_keys(user=merchant, product_id=product.pk, text="A1")
    assert exc.value.code == "shop.not_active"
    assert CardKey.objects.count() == 0


def test_other_merchants_product_is_not_found(merchant, other_product):
    with pytest.raises(DomainError) as exc:
        import_card_keys(user=merchant, product_id=other_product.pk, text="A1")
    assert exc.value.code == "not_found"


@pytest.mark.parametrize("role", [Role.BUYER, Role.AGENT, Role.OPERATOR])
def test_only_merchants_import(product, role):
    with pytest.raises(DomainError) as exc:
        import_card_keys(user=UserFactory(role=role), product_id=product.pk, text="A1")
    assert exc.value.status == 403


def test_too_large_import_writes_nothing(settings, merchant, product):
    settings.KAMENG_IMPORT_MAX_BYTES = 20
    with pytest.raises(DomainError) as exc:
        import_card_keys(user=merchant, product_id=product.pk, text="A" * 21)
    assert exc.value.code == "inventory.import_too_large"
    assert ImportBatch.objects.count() == 0


# --- revoke -------------------------------------------------------------------------------------


def _keys(merchant, product, *codes):
    batch = import_card_keys(user=merchant, product_id=product.pk, text="\n".join(codes))
    return list(CardKey.objects.filter(batch=batch).order_by("pk"))


def test_revoke_own_available_keys(merchant, product):
    a, b, _c = _keys(merchant, product, "A1", "A2", "A3")
    assert revoke_card_keys(user=merchant, key_ids=[a.pk, b.pk, a.pk]) == 2
    assert stock(product) == 1
    a.refresh_from_db()
    assert a.status == CardKeyStatus.REVOKED and a.revoked_at is not None
    assert not stock_mismatches()


def test_revoke_sold_key_refused_nothing_changes(merchant, product, buyer):
    a, b = _keys(merchant, product, "A1", "A2")
    allocate_card_keys(product_id=product.pk, quantity=1, buyer=buyer)
    with pytest.raises(DomainError) as exc:
        revoke_card_keys(user=merchant, key_ids=[a.pk, b.pk])
    assert exc.value.code == "inventory.key_not_revocable"
    assert CardKey.objects.get(pk=b.pk).status == CardKeyStatus.AVAILABLE
    assert stock(product) == 1


def test_revoke_twice_refused(merchant, product):
    (a,) = _keys(merchant, product, "A1")
    revoke_card_keys(user=merchant, key_ids=[a.pk])
    with pytest.raises(DomainError) as exc:
        revoke_card_keys(user=merchant, key_ids=[a.pk])
    assert exc.value.code == "inventory.key_not_revocable"
    assert stock(product) == 0


def test_revoke_other_shops_key_is_not_found(merchant, other_merchant, other_product):
    (a,) = _keys(other_merchant, other_product, "A1")
    with pytest.raises(DomainError) as exc:
        revoke_card_keys(user=merchant, key_ids=[a.pk])
    assert exc.value.code == "not_found"
    assert CardKey.objects.get(pk=a.pk).status == CardKeyStatus.AVAILABLE


def test_revoke_needs_merchant(buyer, merchant, product):
    (a,) = _keys(merchant, product, "A1")
    with pytest.raises(DomainError) as exc:
        revoke_card_keys(user=buyer, key_ids=[a.pk])
    assert exc.value.status == 403


# --- allocate and reveal ------------------------------------------------------------------------


def test_allocate_sells_oldest_keys_to_buyer(merchant, product, buyer):
    a, b, _c = _keys(merchant, product, "A1", "A2", "A3")
    sold = allocate_card_keys(product_id=product.pk, quantity=2, buyer=buyer)
    assert [k.pk for k in sold] == sorted([a.pk, b.pk])
    assert all(k.status == CardKeyStatus.SOLD and k.sold_to_id == buyer.pk and k.sold_at for k in sold)
    assert stock(product) == 1


def test_allocate_out_of_stock_changes_nothing(merchant, product, buyer):
    _keys(merchant, product, "A1", "A2")
    with pytest.raises(DomainError) as exc:
        allocate_card_keys(product_id=product.pk, quantity=3, buyer=buyer)
    assert exc.value.code == "inventory.out_of_stock" and exc.value.status == 409
    assert CardKey.objects.filter(status=CardKeyStatus.AVAILABLE).count() == 2
    assert stock(product) == 2


@pytest.mark.parametrize("quantity", [0, -1, 1001, "2", True])
def test_allocate_bad_quantity(merchant, product, buyer, quantity):
    _keys(merchant, product, "A1")
    with pytest.raises(DomainError) as exc:
        allocate_card_keys(product_id=product.pk, quantity=quantity, buyer=buyer)
    assert exc.value.code == "invalid_input"


def test_reveal_only_to_the_buyer(merchant, product, buyer, other_buyer, agent, operator):
    import_card_keys(user=merchant, product_id=product.pk, text="0123ABC,pw1")
    (key,) = allocate_card_keys(product_id=product.pk, quantity=1, buyer=buyer)
    assert reveal_card_key(user=buyer, card_key_id=key.pk) == ("0123ABC", "pw1")
    key.refresh_from_db()
    first = key.first_revealed_at
    assert first is not None
    reveal_card_key(user=buyer, card_key_id=key.pk)
    key.refresh_from_db()
    assert key.first_revealed_at == first
    for user in (merchant, agent, operator):
        with pytest.raises(DomainError) as exc:
            reveal_card_key(user=user, card_key_id=key.pk)
        assert exc.value.code == "inventory.reveal_forbidden"
    with pytest.raises(DomainError) as exc:
        reveal_card_key(user=other_buyer, card_key_id=key.pk)
    assert exc.value.code == "not_found"


def test_unsold_key_cannot_be_revealed(merchant, product, buyer):
    (a,) = _keys(merchant, product, "A1")
    with pytest.raises(DomainError) as exc:
        reveal_card_key(user=buyer, card_key_id=a.pk)
    assert exc.value.code == "not_found"


def test_reveal_of_tampered_row_is_a_keyring_error(merchant, product, buyer):
    _keys(merchant, product, "A1", "A2")
    k1, k2 = allocate_card_keys(product_id=product.pk, quantity=2, buyer=buyer)
    CardKey.objects.filter(pk=k1.pk).update(ciphertext=bytes(k2.ciphertext))  # moved ciphertext
    with pytest.raises(DomainError) as exc:
        reveal_card_key(user=buyer, card_key_id=k1.pk)
    assert exc.value.code == "inventory.keyring_error"


# --- rotation -----------------------------------------------------------------------------------


def test_rotation_keeps_every_key_readable_and_retire_removes_unused(merchant, product, buyer, keyring_file):
    _keys(merchant, product, *(f"K{i:03d}" for i in range(7)))
    old = crypto.load_keyring().active
    result = rotate_keyring(batch_size=3)
    assert result.reencrypted == 7 and result.active_key_id != old
    ring = crypto.load_keyring()
    assert set(ring.aes) == {old, result.active_key_id}  # old kept until retired
    assert set(CardKey.objects.values_list("key_id", flat=True)) == {result.active_key_id}
    sold = allocate_card_keys(product_id=product.pk, quantity=7, buyer=buyer)
    assert sorted(reveal_card_key(user=buyer, card_key_id=k.pk)[0] for k in sold) == [f"K{i:03d}" for i in range(7)]
    assert retire_unused_keys() == [old]
    assert set(crypto.load_keyring().aes) == {result.active_key_id}
    assert reveal_card_key(user=buyer, card_key_id=sold[0].pk)[0].startswith("K")


def test_retire_keeps_keys_still_in_use(merchant, product):
    _keys(merchant, product, "A1")
    old = crypto.load_keyring().active
    ring = crypto.with_new_active_key(crypto.load_keyring())
    crypto.save_keyring_file(ring)  # new active key, but the row still uses the old one
    assert retire_unused_keys() == []
    assert old in crypto.load_keyring().aes


def test_rotate_then_retire_in_one_call(merchant, product):
    _keys(merchant, product, "A1")
    old = crypto.load_keyring().active
    result = rotate_keyring(retire=True)
    assert result.retired == [old]


def test_keyring_from_setting_cannot_be_rotated(settings):
    settings.KAMENG_KEYRING = crypto.generate_keyring().to_json()
    with pytest.raises(DomainError) as exc:
        rotate_keyring()
    assert exc.value.code == "inventory.keyring_error"

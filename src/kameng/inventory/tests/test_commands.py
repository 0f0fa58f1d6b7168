import pytest
from django.core.management import CommandError, call_command

from kameng.catalog.models import Product
from kameng.inventory import crypto
from kameng.inventory.models import CardKey
from kameng.inventory.services import import_card_keys


def test_check_passes_when_counters_match(merchant, product, capsys):
    import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2")
    call_command("cardkeys", "check")
    assert "OK" in capsys.readouterr().out


def test_check_fails_on_mismatch(merchant, product):
    import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2")
    Product.objects.filter(pk=product.pk).update(stock_available=5)
    with pytest.raises(CommandError) as exc:
        call_command("cardkeys", "check")
    assert exc.value.returncode == 1


def test_rotate_and_retire(merchant, product, capsys):
    import_card_keys(user=merchant, product_id=product.pk, text="A1\nA2")
    old = crypto.load_keyring().active
    call_command("cardkeys", "rotate")
    ring = crypto.load_keyring()
    assert ring.active != old and old in ring.aes
    assert set(CardKey.objects.values_list("key_id", flat=True)) == {ring.active}
    call_command("cardkeys", "rotate", "--retire")
    out = capsys.readouterr().out
    assert "retired keys" in out
    assert len(crypto.load_keyring().aes) == 1


def test_rotate_refuses_keyring_from_setting(settings, db):
    settings.KAMENG_KEYRING = crypto.generate_keyring().to_json()
    with pytest.raises(CommandError):
        call_command("cardkeys", "rotate")

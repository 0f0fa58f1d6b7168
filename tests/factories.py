"""factory-boy factories shared by every app's tests."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from kameng.accounts.models import Role, User
from kameng.catalog.models import Category, DeliveryKind, Product
from kameng.shops.models import Shop

PASSWORD = "correct-horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.BUYER
    # An established account: the limits for accounts younger than new_account_days (10.3) are
    # tested where a test makes a new one.
    date_joined = factory.LazyFunction(lambda: timezone.now() - timedelta(days=365))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MerchantFactory(UserFactory):
    username = factory.Sequence(lambda n: f"merchant{n}")
    role = Role.MERCHANT


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    owner = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"测试店铺{n}")
    slug = factory.Sequence(lambda n: f"shop-{n}")
    description = "一家测试店铺"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    shop = factory.SubFactory(ShopFactory)
    title_zh = factory.Sequence(lambda n: f"腾讯Q币{n}元卡")
    title_en = factory.Sequence(lambda n: f"Tencent Q-coin card {n}")
    category = Category.GAME_CARD
    delivery_kind = DeliveryKind.CARD_KEY
    face_value_fen = 1000
    price_fen = 980
    published = True

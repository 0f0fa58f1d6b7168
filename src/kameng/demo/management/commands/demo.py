"""`kameng demo`: migrate, seed demo data (once), print the logins, and serve.

Everything is written through the domain services, exactly as the pages and API would, so the demo
also proves those paths work on a fresh database."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

DEMO_PASSWORD = "kameng-demo-2026"

LOGINS = [
    # username, role, display name, what to try
    ("operator", "operator", "运营小王", "/operator/shops/ — certify, warn or freeze shops"),
    ("agent", "agent", "客服小李", "support agent: /agent/cases/ — the after-sales workbench"),
    ("agent2", "agent", "客服小赵", "a second agent (appeals go to a different agent)"),
    (
        "xingchen",
        "merchant",
        "星辰数卡",
        "long-standing certified shop: /console/, /console/products/, /console/inventory/",
    ),
    ("xiaolu", "merchant", "小鹿游戏", "a new shop"),
    ("sufa", "merchant", "速发卡铺", "a shop with a poor record (warned)"),
    ("buyer", "buyer", "张三", "a buyer: browse, open products, contact a shop"),
    ("buyer2", "buyer", "李四", "a second buyer"),
    ("applicant", "buyer", "王五", "has applied to open a shop (/shops/apply/); operators review it"),
]

QQ_FIELD = {
    "key": "qq",
    "label_zh": "QQ号",
    "label_en": "QQ number",
    "pattern": "[1-9][0-9]{4,11}",
    "help_zh": "5–12 位数字，请仔细核对，充值后无法撤回",
    "help_en": "5–12 digits; check it carefully, a top-up cannot be undone",
}
PHONE_FIELD = {
    "key": "phone",
    "label_zh": "手机号码",
    "label_en": "Mobile number",
    "pattern": "1[3-9][0-9]{9}",
    "help_zh": "中国大陆 11 位手机号",
    "help_en": "11-digit mainland China mobile number",
}

SHOPS = {
    "xingchen": {
        "name": "星辰数卡",
        "description": "专注游戏点卡与会员卡密十年，自动发货，7×24 小时售后。所有卡密均为官方渠道采购。",
        "age_days": 3 * 365,
        "certified": True,
        "products": [
            dict(
                title_zh="腾讯Q币 100元 卡密",
                title_en="Tencent Q-coins 100 CNY card key",
                category="game_card",
                delivery_kind="card_key",
                face_value_fen=10000,
                price_fen=9850,
                keys=40,
                usage_rules="登录 pay.qq.com，选择“Q币卡充值”，输入卡号和密码。卡密一经查看视为已发货。",
                refund_policy="未查看卡密可极速退款；卡密无效请在 72 小时内发起售后，附充值页面截图。",
            ),
            dict(
                title_zh="网易一卡通 50元",
                title_en="NetEase One Card 50 CNY",
                category="game_card",
                delivery_kind="card_key",
                face_value_fen=5000,
                price_fen=4900,
                keys=30,
                usage_rules="在网易一卡通官网或游戏内充值中心使用。",
                refund_policy="卡密无效包换。",
            ),
            dict(
                title_zh="腾讯视频 VIP 会员月卡",
                title_en="Tencent Video VIP, 1 month",
                category="membership",
                delivery_kind="card_key",
                face_value_fen=3000,
                price_fen=2280,
                keys=25,
                usage_rules="在腾讯视频 App “我的 → 兑换VIP” 中输入兑换码。每个账号每月限兑 3 次。",
                refund_policy="兑换失败请提供错误提示截图，核实后补发或退款。",
            ),
            dict(
                title_zh="王者荣耀 点券直充 600点",
                title_en="Honor of Kings 600 vouchers, direct top-up",
                category="game_card",
                delivery_kind="direct_topup",
                face_value_fen=6000,
                price_fen=5800,
                region_notes="仅支持 QQ 区（安卓/苹果），微信区请勿购买。",
                usage_rules="充值到账后在游戏内邮件查收。",
                refund_policy="上游充值失败自动全额退款。",
                required_fields=[
                    QQ_FIELD,
                    {
                        "key": "zone",
                        "label_zh": "大区",
                        "label_en": "Zone",
                        "pattern": "(安卓QQ|苹果QQ)",
                        "help_zh": "填写 安卓QQ 或 苹果QQ",
                        "help_en": "安卓QQ (Android) or 苹果QQ (iOS)",
                    },
                ],
            ),
            dict(
                title_zh="中国移动 话费充值 100元",
                title_en="China Mobile top-up 100 CNY",
                category="phone_topup",
                delivery_kind="direct_topup",
                face_value_fen=10000,
                price_fen=9950,
                max_per_order=3,
                region_notes="全国移动号码通用，携号转网号码请勿购买。",
                usage_rules="一般 10 分钟内到账，高峰期最长 24 小时。",
                refund_policy="充值失败自动退款；部分到账按实际到账金额结算。",
                required_fields=[PHONE_FIELD],
            ),
        ],
    },
    "xiaolu": {
        "name": "小鹿游戏",
        "description": "新开小店，主营 Steam 与米哈游游戏充值，欢迎站内联系。",
        "age_days": 12,
        "certified": False,
        "products": [
            dict(
                title_zh="Steam 钱包充值卡 50元",
                title_en="Steam Wallet code 50 CNY",
                category="game_card",
                delivery_kind="card_key",
                face_value_fen=5000,
                price_fen=4980,
                keys=15,
                usage_rules="仅限国区 Steam 账户兑换。",
                refund_policy="已兑换不退。",
            ),
            dict(
                title_zh="原神 创世结晶 6480 直充",
                title_en="Genshin Impact 6480 Genesis Crystals, direct top-up",
                category="game_card",
                delivery_kind="direct_topup",
                face_value_fen=64800,
                price_fen=62800,
                max_per_order=2,
                region_notes="仅支持官服（天空岛）与 B 服（世界树），不支持国际服。",
                refund_policy="UID 填错导致的充值不予退款。",
                required_fields=[
                    {
                        "key": "uid",
                        "label_zh": "游戏UID",
                        "label_en": "Game UID",
                        "pattern": "[1-9][0-9]{8}",
                        "help_zh": "9 位数字，在游戏左下角查看",
                        "help_en": "9 digits, shown at the bottom left in game",
                    },
                    {
                        "key": "server",
                        "label_zh": "服务器",
                        "label_en": "Server",
                        "pattern": "(天空岛|世界树)",
                        "help_zh": "天空岛 或 世界树",
                        "help_en": "天空岛 (official) or 世界树 (bilibili)",
                    },
                ],
            ),
            dict(
                title_zh="魔兽世界 金币 10000G（人工发货）",
                title_en="World of Warcraft 10,000 gold (manual delivery)",
                category="virtual_item",
                delivery_kind="manual",
                face_value_fen=3000,
                price_fen=2600,
                manual_delivery_hours=6,
                region_notes="请注明服务器与角色名。",
                usage_rules="通过游戏内邮件交易发货，6 小时内完成。",
                refund_policy="未发货可全额退款。",
                required_fields=[
                    {
                        "key": "character",
                        "label_zh": "服务器-角色名",
                        "label_en": "Server-character",
                        "pattern": ".{2,40}",
                        "help_zh": "例如：白银之手-小鹿",
                        "help_en": "e.g. 白银之手-小鹿",
                    }
                ],
            ),
        ],
    },
    "sufa": {
        "name": "速发卡铺",
        "description": "低价卡密，量大从优。",
        "age_days": 200,
        "certified": False,
        "warn": "近 30 天卡密无效投诉偏多，已被平台警告。",
        "products": [
            dict(
                title_zh="优酷 VIP 会员月卡（特价）",
                title_en="Youku VIP 1 month (discount)",
                category="membership",
                delivery_kind="card_key",
                face_value_fen=2500,
                price_fen=1500,
                keys=20,
                usage_rules="在优酷 App 兑换中心使用。",
                refund_policy="售出不退不换。",
            ),
            dict(
                title_zh="中国联通 话费 50元（慢充）",
                title_en="China Unicom top-up 50 CNY (slow)",
                category="phone_topup",
                delivery_kind="direct_topup",
                face_value_fen=5000,
                price_fen=4750,
                usage_rules="72 小时内到账。",
                refund_policy="超时未到账可申请退款。",
                required_fields=[PHONE_FIELD],
            ),
        ],
    },
}


# 星辰数卡's history (``seed_history``): enough orders and reviews for rule 10.5's thresholds.
HISTORY_ORDERS = 120
HISTORY_DAYS = 85
REGULARS = ["老顾客阿杰", "老顾客小美", "老顾客大刘", "老顾客晓晨"]
REVIEW_TEXTS = [
    "秒发货，卡密直接能用。",
    "第三次买了，一直很稳。",
    "到账快，客服回复也快。",
    "价格实在，充值成功。",
    "卡密有效，好评。",
]


def _random_code(prefix: str) -> str:
    # Digits only, with leading zeros kept, like real point-card numbers.
    return prefix + "".join(secrets.choice("0123456789") for _ in range(14))


def use_sandbox_gateway() -> None:
    """The demo pays with the sandbox gateway (test money), an opt-in a real install never has by
    default: on for this process and, through the environment, for the worker it starts."""
    import os

    from django.conf import settings

    if "sandbox" not in settings.KAMENG_PAYMENT_GATEWAYS:
        settings.KAMENG_PAYMENT_GATEWAYS = [*settings.KAMENG_PAYMENT_GATEWAYS, "sandbox"]
    os.environ["KAMENG_PAYMENT_GATEWAYS"] = ",".join(settings.KAMENG_PAYMENT_GATEWAYS)


class Command(BaseCommand):
    help = "Migrate, load demo data (only on an empty database) and serve the marketplace."
    # Checked once the sandbox is on (below), so the warnings describe what actually runs.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="seed the configured database and exit")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--supplier-port", type=int, default=8766, help="port of the local 直充 supplier simulator")

    def handle(self, *args, no_serve: bool, host: str, port: int, supplier_port: int, **options):
        import os

        from django.conf import settings

        use_sandbox_gateway()
        # The web server, the worker and the simulator must agree on where the supplier is.
        settings.KAMENG_SUPPLIER_URL = os.environ["KAMENG_SUPPLIER_URL"] = f"http://{host}:{supplier_port}"
        self.supplier_port = supplier_port
        self.check()
        call_command("migrate", interactive=False, verbosity=0)
        from kameng.accounts.models import User

        if User.objects.filter(username="operator").exists():
            self.stdout.write("Demo data already present; not seeding again.")
        else:
            self.seed()
            self.count_history()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.print_logins(host, port)
        if not no_serve:
            self.serve(host, port)

    def serve(self, host: str, port: int) -> None:
        """The whole marketplace on one machine: the job worker (with the periodic sweep) and the
        local 直充 supplier simulator run beside the web server and stop with it."""
        import os
        import subprocess
        import sys
        from pathlib import Path

        from django.conf import settings

        # Gateway notifications are sent to this address, so it must be where we serve.
        site_url = f"http://{host}:{port}"
        settings.SITE_URL = site_url
        env = {**os.environ, "KAMENG_SITE_URL": site_url}
        kameng = str(Path(sys.executable).with_name("kameng"))
        children = [
            subprocess.Popen([kameng, "worker"], env=env),  # noqa: S603 - our own command
            subprocess.Popen([kameng, "supplier-sim", "--host", host, "--port", str(self.supplier_port)], env=env),  # noqa: S603
        ]
        try:
            call_command("serve", host=host, port=port)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    @transaction.atomic
    def seed(self) -> None:
        from kameng.accounts.services import create_user
        from kameng.catalog.services import create_product, publish_product
        from kameng.inventory.services import import_card_keys
        from kameng.shops.models import Shop
        from kameng.shops.services import change_shop_status, create_shop, set_shop_certification

        users = {
            username: create_user(
                username=username, password=DEMO_PASSWORD, role=role, display_name=name, check_password_strength=False
            )
            for username, role, name, _hint in LOGINS
        }
        operator = users["operator"]
        for username, spec in SHOPS.items():
            merchant = users[username]
            shop = create_shop(merchant=merchant, name=spec["name"], description=spec["description"])
            # Demo history: the shops have existed for a while (the only write not made by a service).
            Shop.objects.filter(pk=shop.pk).update(created_at=timezone.now() - timedelta(days=spec["age_days"]))
            if spec["certified"]:
                set_shop_certification(
                    operator=operator, shop_id=shop.pk, certified=True, reason="资质审核通过（演示数据）"
                )
            for n, product_spec in enumerate(spec["products"]):
                product_spec = dict(product_spec)
                keys = product_spec.pop("keys", 0)
                product = create_product(merchant=merchant, **product_spec)
                if keys:
                    prefix = f"{shop.pk}{n}"
                    lines = [f"{_random_code(prefix)},{secrets.token_hex(4).upper()}" for _ in range(keys)]
                    import_card_keys(user=merchant, product_id=product.pk, text="\r\n".join(lines))
                publish_product(merchant=merchant, product_id=product.pk)
            if spec.get("warn"):
                change_shop_status(operator=operator, shop_id=shop.pk, to_status="warned", reason=spec["warn"])
        self.seed_money_and_orders(users)
        self.seed_history(users)
        self.seed_after_sales(users)

    def seed_money_and_orders(self, users) -> None:
        """Buyers top up through the sandbox gateway (the same signed notification it sends over
        HTTP), then place a few orders so every page has something to show."""
        from kameng.catalog.models import Product
        from kameng.orders.services import confirm_receipt, place_order
        from kameng.payments.gateways.sandbox import notification_params
        from kameng.payments.services import handle_notification, sandbox_decide, start_topup

        for username, amount_fen in (("buyer", 200_000), ("buyer2", 50_000), ("applicant", 60_000)):
            payment = start_topup(buyer=users[username], amount_fen=amount_fen, gateway="sandbox")
            charge = sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=True)
            handle_notification(gateway="sandbox", params=notification_params(charge), remote_addr="127.0.0.1")

        def product(title_start: str) -> Product:
            return Product.objects.get(title_zh__startswith=title_start)

        buyer, buyer2 = users["buyer"], users["buyer2"]
        done = place_order(
            buyer=buyer, product_id=product("网易一卡通").pk, quantity=1, buyer_fields=None, idempotency_key="demo-1"
        )
        confirm_receipt(buyer=buyer, order_id=done.order.pk)
        self.seed_trust(users, reviewed_order_id=done.order.pk)
        place_order(
            buyer=buyer, product_id=product("腾讯Q币").pk, quantity=2, buyer_fields=None, idempotency_key="demo-2"
        )
        place_order(
            buyer=buyer2,
            product_id=product("魔兽世界").pk,
            quantity=1,
            buyer_fields={"character": "白银之手-李四"},
            idempotency_key="demo-3",
        )

    def seed_history(self, users) -> None:
        """星辰数卡's last three months: regular customers' orders, confirmed, most of them reviewed,
        so its public figures earn 金牌商家 by rule 10.5 the way any shop would, and a deposit held,
        so its certification shows (10.5). Written through the services, then moved back in time
        (like the shops' ages) and counted again from the records by ``metrics.rebuild``, which is
        what ``kameng metrics rebuild`` does."""
        import random

        from kameng.accounts.services import create_user
        from kameng.catalog.models import Product
        from kameng.inventory.services import import_card_keys
        from kameng.orders.funds import pay_deposit
        from kameng.orders.models import DeliveryBatch, Order
        from kameng.orders.services import confirm_receipt, place_order
        from kameng.payments.gateways.sandbox import notification_params
        from kameng.payments.services import handle_notification, sandbox_decide, start_topup
        from kameng.reputation.models import Review
        from kameng.reputation.services import post_review

        merchant = users["xingchen"]
        shop = merchant.shop
        rng = random.Random(2026)  # the same history on every fresh database
        products = list(Product.objects.filter(shop=shop, delivery_kind="card_key").order_by("pk"))
        for product in products:
            lines = [f"{_random_code(f'9{product.pk}')},{secrets.token_hex(4).upper()}" for _ in range(HISTORY_ORDERS)]
            import_card_keys(user=merchant, product_id=product.pk, text="\r\n".join(lines))
        regulars = []
        for n, name in enumerate(REGULARS, start=1):
            regular = create_user(
                username=f"regular{n}", password=secrets.token_urlsafe(16), role="buyer", display_name=name
            )
            payment = start_topup(buyer=regular, amount_fen=500_000, gateway="sandbox")
            charge = sandbox_decide(out_trade_no=payment.out_trade_no, succeeded=True)
            handle_notification(gateway="sandbox", params=notification_params(charge), remote_addr="127.0.0.1")
            regulars.append(regular)
        for n in range(HISTORY_ORDERS):
            buyer = regulars[n % len(regulars)]
            product = products[rng.randrange(len(products))]
            placed = place_order(
                buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key=f"demo-history-{n}"
            )
            order_id = placed.order.pk
            confirm_receipt(buyer=buyer, order_id=order_id)
            if n % 3 != 2:  # two in three buyers leave a review, nearly all of them happy
                stars = 4 if n % 17 == 0 else 5
                post_review(
                    buyer=buyer,
                    order_id=order_id,
                    stars_described=5,
                    stars_delivery=5,
                    stars_service=stars,
                    text=REVIEW_TEXTS[n % len(REVIEW_TEXTS)],
                    tags=["key_valid", "fast_delivery"] if stars == 5 else ["key_valid"],
                )
            # Spread over the window, newest last; everything after payment keeps its spacing.
            shift = timedelta(days=HISTORY_DAYS * (HISTORY_ORDERS - n) / HISTORY_ORDERS, minutes=rng.randrange(600))
            self.move_back(
                Order.objects.filter(pk=order_id),
                shift,
                "created_at",
                "payment_due_at",
                "paid_at",
                "delivery_due_at",
                "delivered_at",
                "completed_at",
            )
            self.move_back(
                DeliveryBatch.objects.filter(order_id=order_id), shift, "delivered_at", "confirm_due_at", "settled_at"
            )
            self.move_back(Review.objects.filter(order_id=order_id), shift, "created_at")
        pay_deposit(merchant=merchant, amount_fen=100_000, request_id="demo-deposit")

    def count_history(self) -> None:
        """Once the seed has committed (and its acts have added to the counters as they do), the
        figures are counted again from the records, back-dated history included, and the shops'
        badges and penalties evaluated on them."""
        from kameng.reputation import metrics, trust
        from kameng.shops.models import Shop

        metrics.rebuild()
        for shop_id in Shop.objects.order_by("pk").values_list("pk", flat=True):
            trust.evaluate_shop(shop_id=shop_id)

    @staticmethod
    def move_back(queryset, shift: timedelta, *fields: str) -> None:
        from django.db.models import F

        queryset.update(**{name: F(name) - shift for name in fields})

    def seed_trust(self, users, *, reviewed_order_id: int) -> None:
        """A review of the completed order, and a shop application waiting in the operators'
        queue (its document a generated image, its deposit held from the applicant's wallet)."""
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image, ImageDraw

        from kameng.onboarding.services import Document, submit_application
        from kameng.reputation.services import post_review

        post_review(
            buyer=users["buyer"],
            order_id=reviewed_order_id,
            stars_described=5,
            stars_delivery=5,
            stars_service=4,
            text="秒到账，卡密直接能用。",
            tags=["key_valid", "fast_delivery"],
        )
        image = Image.new("RGB", (480, 300), (235, 240, 250))
        ImageDraw.Draw(image).rectangle((20, 20, 460, 280), outline=(40, 60, 120), width=4)
        data = io.BytesIO()
        image.save(data, "PNG")
        submit_application(
            applicant=users["applicant"],
            shop_name="月光点卡",
            description="网易一卡通、腾讯 Q 币，全天自动发货，售后两小时内回复。",
            category="game_card",
            contact="QQ 10086",
            documents=[Document("business", SimpleUploadedFile("licence.png", data.getvalue()))],
        )

    def seed_after_sales(self, users) -> None:
        """The rulebook and self-check articles, a funded guarantee fund, and one open case."""
        from kameng.aftersales.services import open_case
        from kameng.aftersales.services.selfcheck import install_default_wizards
        from kameng.knowledge.services import install_default_articles
        from kameng.orders.funds import fund_guarantee
        from kameng.orders.models import Order, OrderKey
        from kameng.orders.services import reveal_key
        from kameng.rulebook.selectors import current

        current()  # installs the default rulebook, version 1
        install_default_articles()
        install_default_wizards()  # 自查: one decision tree per problem type
        fund_guarantee(operator=users["operator"], amount_fen=1_000_000, source="demo-seed", from_commission=False)
        buyer = users["buyer"]
        order = Order.objects.get(buyer=buyer, idempotency_key="demo-2")
        okey = OrderKey.objects.filter(batch__order=order).order_by("pk").first()
        reveal_key(buyer=buyer, order_id=order.pk, order_key_id=okey.pk, ip="127.0.0.1", user_agent="demo")
        open_case(
            buyer=buyer,
            order_id=order.pk,
            subtype="invalid_key",
            demand="replace",
            description="充值时提示“卡密无效”，截图见附件。请更换一张。",
            order_key_ids=[okey.pk],
        )
        # The first seal over every chain so far (the worker seals every KAMENG_SEAL_MINUTES after).
        from kameng.evidence.sealing import seal_now

        seal_now()
        self.seed_community(users)

    def seed_community(self, users) -> None:
        """用户社群: a few real-sounding questions, answers (one official, one accepted) and votes."""
        from kameng.accounts.models import User
        from kameng.community import services as community

        users = {u.username: u for u in User.objects.filter(username__startswith="regular")} | users
        threads = [
            (
                "buyer2",
                "话费充值显示成功但是一直没到账，要等多久？",
                "在平台买了 100 元移动话费直充，订单显示“已发送”，两个小时了手机还没收到短信。这种情况一般要等多久？",
                "late_delivery",
                "phone_topup",
                [
                    (
                        "regular1",
                        "我上次是 40 分钟才到，晚高峰运营商那边会排队。订单页能看到供货商承诺的时间，过了再申请售后。",
                        3,
                    ),
                    (
                        "agent",
                        "直充订单在供货商承诺的时间内属于正常处理中。超过承诺时间仍未到账，请在订单页选择“延迟到账”"
                        "申请售后，平台会自动附上供货商的回执和发送时间，不需要您自己截图证明。"
                        "详见[延迟到账怎么办](/help/late-delivery/)。",
                        5,
                    ),
                ],
                1,
            ),
            (
                "regular2",
                "Q币卡提示“卡密已被使用”，但我是第一次用",
                "刚买的 Q 币卡，复制粘贴进去就提示已被使用。我确定没给别人看过，这种能退吗？",
                "key_already_used",
                "game_card",
                [
                    (
                        "regular3",
                        "能。我遇到过一次，申请售后选“卡密已被使用”，平台会查这张卡密第一次被查看的时间和有没有别的买家报过"
                        "同一批卡，商家当天就换了一张。",
                        4,
                    ),
                ],
                0,
            ),
            (
                "regular4",
                "腾讯视频会员激活失败，提示账号不支持",
                "买的腾讯视频月卡，输入卡密提示“该账号暂不支持此卡”，是卡的问题还是我账号的问题？",
                "activation_failed",
                "membership",
                [
                    ("buyer2", "可能是你的账号已经开了连续包月，同类会员不能叠加。先在 App 里取消自动续费再试。", 2),
                ],
                None,
            ),
        ]
        for author, title, body, subtype, category, answers, accept in threads:
            question = community.ask_question(
                author=users[author], title=title, body=body, subtype=subtype, category=category
            )
            posted = []
            for who, text, votes in answers:
                answer = community.post_answer(author=users[who], question_id=question.pk, body=text)
                posted.append(answer)
                voters = [u for u in ("buyer", "regular1", "regular2", "regular3", "regular4") if u != who]
                for voter in voters[:votes]:
                    community.vote(user=users[voter], kind="answer", post_id=answer.pk, value=1)
            if accept is not None:
                community.accept_answer(user=users[author], question_id=question.pk, answer_id=posted[accept].pk)

    def print_logins(self, host: str, port: int) -> None:
        url = f"http://{host}:{port}"
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Kameng demo — open {url}/  (log in at {url}/accounts/login/)"))
        self.stdout.write(f"Every demo account has the password: {DEMO_PASSWORD}")
        for username, role, name, hint in LOGINS:
            self.stdout.write(f"  {username:<10} {role:<9} {name:<6}  {hint}")
        self.stdout.write(f"API docs: {url}/api/v1/docs")
        self.stdout.write(f"直充 supplier simulator: http://{host}:{self.supplier_port}")
        self.stdout.write("")

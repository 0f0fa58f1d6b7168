"""Shops join the rulebook (clauses 10.1–10.3): the deposit to open a shop, reviews, and
what a buyer is told before buying (with the limits for new accounts).

Like 0002: a database that already has rulebook versions gets one more, published by the
platform: the newest version's parameters and clauses plus the shop parameters and the clauses
that explain them (copied here as written, so later edits of ``rulebook/defaults.py`` do not change
what this migration publishes). A fresh database installs the defaults on first use.
"""

from django.db import migrations
from django.utils import timezone

PARAMS = {
    "shop_deposit_min_fen": 50000,
    "review_window_days": 15,
    "claim_abuse_flag_count": 3,
    "new_account_days": 7,
    "new_account_order_max_fen": 200000,
    "new_shop_days": 30,
}
NOTE = "店铺纳入规范（10.1–10.3）：入驻申请与保证金，评价与追评，买前提示与新账号限额。"

CLAUSES = [
    {
        "code": "10.1",
        "title_zh": "入驻申请与保证金",
        "title_en": "Opening a shop, and its deposit",
        "body_zh": "申请开店（入驻）须填写店铺名称、介绍、经营类目和联系方式，上传身份证明或营业执照，并从钱包缴纳不少于 {shop_deposit_min_fen} 的保证金。证件只有申请人和平台运营可以看到。运营审核后批准、驳回（写明理由）或要求补充材料；批准后店铺开通，保证金转为店铺保证金，用于先行赔付和罚款（8.2）；驳回或申请人撤回的，保证金全额退回钱包。开店的账号成为商家账号：已经买过东西的账号不能开店，请另用一个账号。",
        "body_en": "To open a shop, an applicant gives the shop's name, description, category of goods and a contact, uploads an identity or business document, and pays a deposit of at least {shop_deposit_min_fen} from the wallet. Only the applicant and the platform's operators see the documents. An operator approves, rejects (with a reason) or asks for more; on approval the shop opens and the deposit becomes the shop's deposit, which answers for advances and penalties (8.2); on rejection or withdrawal the whole deposit goes back to the wallet. The account that opens a shop becomes a merchant account: an account that has bought anything cannot open one; use another account."
    },
    {
        "code": "10.2",
        "title_zh": "评价与追评",
        "title_en": "Reviews and follow-up reviews",
        "body_zh": "订单确认收货（含自动确认）后 {review_window_days} 天内，买家可以评价一次：描述相符、发货速度、售后服务各 1–5 星，文字和标签。订单上的售后单结束后，买家可以追评一次。商家可以回复每条评价一次。裁决认定责任在买家的订单的评价，以及 90 天内 {claim_abuse_flag_count} 次以上被裁定诉求不成立的买家的评价，不计入店铺评分，但仍然公开并加注说明；这样的买家也不再享受极速退款（8.3），客服处理时可以看到其索赔记录。运营只能依据规范条款隐藏评价，隐藏记录在案，页面显示“依据第 N 条隐藏”。",
        "body_en": "Within {review_window_days} days of an order being confirmed (or auto-confirmed), the buyer may review it once: 1–5 stars for item as described, delivery speed and after-sales service, text and tags. After an after-sales case on the order ends, the buyer may add one follow-up review. The merchant may reply to each review once. Reviews of orders where a ruling found the buyer responsible, and reviews by a buyer with {claim_abuse_flag_count} or more claims ruled unfounded in 90 days, do not count towards the shop's score but stay public with a mark; such a buyer is not offered fast refunds (8.3), and agents see their claim history. Operators hide a review only under a clause of this rulebook; the hiding is recorded and the page shows \"hidden under clause N\"."
    },
    {
        "code": "10.3",
        "title_zh": "买前提示与新账号限额",
        "title_en": "Before buying, and limits for new accounts",
        "body_zh": "下单前，买家确认商家写明的使用规则、区服要求和退款说明。订单金额超过 {batch_threshold_fen} 的分批到账（8.8），货款始终由平台担保（8.6）。第一次在开店不满 {new_shop_days} 天或被警告的店铺购买时，页面会提示风险。注册不满 {new_account_days} 天的账号，每笔订单不超过 {new_account_order_max_fen}。",
        "body_en": "Before ordering, the buyer confirms the usage rules, region or server requirements and refund policy the shop wrote. An order worth more than {batch_threshold_fen} is delivered in batches (8.8), and the payment is always held in escrow (8.6). A buyer's first order from a shop open for less than {new_shop_days} days, or from a warned shop, comes with a warning. An account younger than {new_account_days} days may place orders of at most {new_account_order_max_fen} each."
    }
]


def publish_shop_parameters(apps, schema_editor):
    Version = apps.get_model("rulebook", "RulebookVersion")
    Clause = apps.get_model("rulebook", "RulebookClause")
    newest = Version.objects.order_by("-number").first()
    if newest is None:
        return
    have = set(Clause.objects.filter(version=newest).values_list("code", flat=True))
    if PARAMS.keys() <= newest.params.keys() and {c["code"] for c in CLAUSES} <= have:
        return
    row = Version.objects.create(
        number=newest.number + 1,
        published_at=timezone.now(),
        published_by=None,
        note=NOTE,
        params={**PARAMS, **newest.params},
    )
    kept = [
        Clause(version=row, code=c.code, title_zh=c.title_zh, title_en=c.title_en, body_zh=c.body_zh, body_en=c.body_en)
        for c in Clause.objects.filter(version=newest)
    ]
    added = [Clause(version=row, **c) for c in CLAUSES if c["code"] not in have]
    Clause.objects.bulk_create(kept + added)


class Migration(migrations.Migration):
    dependencies = [
        ("rulebook", "0002_order_parameters"),
    ]

    operations = [
        migrations.RunPython(publish_shop_parameters, migrations.RunPython.noop),
    ]

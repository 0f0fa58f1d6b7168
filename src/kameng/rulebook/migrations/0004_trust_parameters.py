"""Shop figures, badges and automatic penalties join the rulebook (clauses 10.4–10.6): the window
and the score's smoothing, the thresholds of 金牌商家 and 平台认证商家, and the figures that warn,
demote, delist, freeze payouts or freeze a shop.

Like 0003: a database that already has rulebook versions gets one more, published by the
platform: the newest version's parameters and clauses plus these (copied here as written, so later
edits of ``rulebook/defaults.py`` do not change what this migration publishes). A fresh database
installs the defaults on first use.
"""

from django.db import migrations
from django.utils import timezone

PARAMS = {
    "metrics_window_days": 90,
    "score_prior_stars": 450,
    "score_prior_reviews": 20,
    "gold_min_orders": 100,
    "gold_min_score": 480,
    "gold_max_aftersales_bps": 300,
    "gold_max_dispute_bps": 50,
    "gold_max_invalid_key_bps": 100,
    "gold_max_sla_breaches": 0,
    "gold_max_response_minutes": 120,
    "gold_min_months": 3,
    "certified_min_deposit_fen": 50000,
    "penalty_min_orders": 20,
    "penalty_min_keys": 20,
    "warn_invalid_key_bps": 300,
    "demote_dispute_bps": 200,
    "delist_invalid_key_bps": 1000,
    "freeze_payouts_dispute_bps": 500,
    "freeze_shop_invalid_key_bps": 2000,
}
NOTE = "店铺指标、徽章与自动处罚纳入规范（10.4–10.6）。"

CLAUSES = [
    {
        "code": "10.4",
        "title_zh": "店铺指标与评分",
        "title_en": "Shop figures and score",
        "body_zh": "每个店铺公开最近 {metrics_window_days} 天的指标：店铺评分、售后率（售后单数 / 订单数）、纠纷败诉率（最终裁决认定商家责任的售后单 / 订单数）、卡密无效率（成立的“卡密无效 / 已被使用”所涉卡密 / 售出卡密）、首次响应时间的中位数、超时次数和经营月数。售后单计入其发起之日，订单计入付款之日，卡密计入交付之日，评价计入发表之日。店铺评分是三项评分（描述相符、发货速度、售后服务）的贝叶斯平均数的平均值：每项都像先有 {score_prior_reviews} 条 {score_prior_stars} 星的评价一样起算，因此少量五星评价不会排在大量 4.9 星之前。不计入评分的评价见 10.2。",
        "body_en": "Every shop shows its figures over the last {metrics_window_days} days: its score, after-sales rate (cases / orders), disputes lost (cases whose final ruling found the merchant responsible / orders), invalid-key rate (keys in upheld 'card key invalid / already redeemed' claims / keys sold), the median time to the merchant's first response in a case, missed deadlines (SLA breaches) and months selling. A case counts on the day it was opened, an order on the day it was paid, keys on the day they were handed over, a review on the day it was posted. The score is the mean of three Bayesian averages (item as described, delivery speed, after-sales service): each starts as if the shop already had {score_prior_reviews} reviews of {score_prior_stars} stars, so a few five-star reviews do not outrank thousands at 4.9. Reviews that do not count are set out in 10.2.",
    },
    {
        "code": "10.5",
        "title_zh": "金牌商家与平台认证商家",
        "title_en": "Gold shops and certified shops",
        "body_zh": "店铺在 {metrics_window_days} 天内同时满足以下全部条件时为金牌商家：订单不少于 {gold_min_orders} 笔，评分不低于 {gold_min_score}，售后率不高于 {gold_max_aftersales_bps}，纠纷败诉率不高于 {gold_max_dispute_bps}，卡密无效率不高于 {gold_max_invalid_key_bps}，超时不超过 {gold_max_sla_breaches} 次，首次响应中位数不超过 {gold_max_response_minutes}，经营不少于 {gold_min_months}，且没有生效中的处罚（10.6）。任何一项不再满足，金牌即取消，商家可以看到是哪一项未达标；重新满足后自动恢复。平台认证商家：运营审核通过身份或营业执照证件，并且店铺保证金不少于 {certified_min_deposit_fen}；保证金低于该金额时认证标识不显示。",
        "body_en": "A shop is a gold shop while, over {metrics_window_days} days, all of these hold: at least {gold_min_orders} orders, a score of at least {gold_min_score}, an after-sales rate of at most {gold_max_aftersales_bps}, disputes lost at most {gold_max_dispute_bps}, an invalid-key rate of at most {gold_max_invalid_key_bps}, at most {gold_max_sla_breaches} missed deadlines, a median first response within {gold_max_response_minutes}, at least {gold_min_months} selling, and no penalty in force (10.6). When any of them stops holding the badge is lost, and the merchant sees which figure fell short; it comes back by itself when they hold again. A certified shop is one whose identity or business documents an operator approved and whose deposit is at least {certified_min_deposit_fen}; below that the badge is not shown.",
    },
    {
        "code": "10.6",
        "title_zh": "自动处罚",
        "title_en": "Automatic penalties",
        "body_zh": "以下处罚按指标自动执行，每项都写明依据的条款和触发它的数字，并在指标恢复后自动解除。卡密无效率和纠纷败诉率只在 {metrics_window_days} 天内售出至少 {penalty_min_keys} 张卡密、或有至少 {penalty_min_orders} 笔订单时计算。卡密无效率达到 {warn_invalid_key_bps}：警告，并在店铺页面公示；纠纷败诉率达到 {demote_dispute_bps}：搜索排序降权；某个商品的卡密无效率达到 {delist_invalid_key_bps}：该商品下架（频繁发无效卡密）；纠纷败诉率达到 {freeze_payouts_dispute_bps}：冻结提现；卡密无效率达到 {freeze_shop_invalid_key_bps}：冻结店铺。4.5 的超时警告也是这样的处罚，30 天内超时少于 {sla_breaches_to_warn_shop} 次时解除。商家可以对处罚申诉一次，由运营复核：维持或撤销；撤销后，同一规则在 {metrics_window_days} 天内不再对同一对象自动处罚。",
        "body_en": "These penalties follow from the figures by themselves; each cites its clause and the figures that triggered it, and lifts by itself when the figures recover. Invalid-key rates and disputes lost count only once a shop (or product) has sold at least {penalty_min_keys} keys, or had at least {penalty_min_orders} orders, in {metrics_window_days} days. An invalid-key rate of {warn_invalid_key_bps} or more: a warning, shown on the shop's page. Disputes lost of {demote_dispute_bps} or more: the shop's listings are demoted in search. A product's own invalid-key rate of {delist_invalid_key_bps} or more: the product is delisted (it often sends invalid keys). Disputes lost of {freeze_payouts_dispute_bps} or more: payouts are frozen. An invalid-key rate of {freeze_shop_invalid_key_bps} or more: the shop is frozen. The SLA warning of 4.5 is one of these penalties too, and lifts once fewer than {sla_breaches_to_warn_shop} deadlines were missed in 30 days. A merchant may appeal a penalty once, to an operator, who upholds or overturns it; once overturned, the same rule does not penalise the same shop or product by itself again for {metrics_window_days} days.",
    },
]


def publish_trust_parameters(apps, schema_editor):
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
        ("rulebook", "0003_shop_parameters"),
    ]

    operations = [
        migrations.RunPython(publish_trust_parameters, migrations.RunPython.noop),
    ]

"""Shops join the rulebook (clause 10.1): the deposit an applicant pays to open a shop.

Like 0002: a database that already has rulebook versions gets one more, published by the
platform: the newest version's parameters and clauses plus ``shop_deposit_min_fen`` and the clause
that explains it (copied here as written, so later edits of ``rulebook/defaults.py`` do not change
what this migration publishes). A fresh database installs the defaults on first use.
"""

from django.db import migrations
from django.utils import timezone

PARAMS = {"shop_deposit_min_fen": 50000}
NOTE = "商家入驻纳入规范（10.1）：入驻申请与保证金。"

CLAUSE = {
    "code": "10.1",
    "title_zh": "入驻申请与保证金",
    "title_en": "Opening a shop, and its deposit",
    "body_zh": "申请开店（入驻）须填写店铺名称、介绍、经营类目和联系方式，上传身份证明或营业执照，并从钱包缴纳不少于 {shop_deposit_min_fen} 的保证金。证件只有申请人和平台运营可以看到。运营审核后批准、驳回（写明理由）或要求补充材料；批准后店铺开通，保证金转为店铺保证金，用于先行赔付和罚款（8.2）；驳回或申请人撤回的，保证金全额退回钱包。开店的账号成为商家账号：已经买过东西的账号不能开店，请另用一个账号。",
    "body_en": "To open a shop, an applicant gives the shop's name, description, category of goods and a contact, uploads an identity or business document, and pays a deposit of at least {shop_deposit_min_fen} from the wallet. Only the applicant and the platform's operators see the documents. An operator approves, rejects (with a reason) or asks for more; on approval the shop opens and the deposit becomes the shop's deposit, which answers for advances and penalties (8.2); on rejection or withdrawal the whole deposit goes back to the wallet. The account that opens a shop becomes a merchant account: an account that has bought anything cannot open one; use another account.",
}


def publish_shop_parameters(apps, schema_editor):
    Version = apps.get_model("rulebook", "RulebookVersion")
    Clause = apps.get_model("rulebook", "RulebookClause")
    newest = Version.objects.order_by("-number").first()
    if newest is None:
        return
    have = set(Clause.objects.filter(version=newest).values_list("code", flat=True))
    if PARAMS.keys() <= newest.params.keys() and CLAUSE["code"] in have:
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
    added = [] if CLAUSE["code"] in have else [Clause(version=row, **CLAUSE)]
    Clause.objects.bulk_create(kept + added)


class Migration(migrations.Migration):
    dependencies = [
        ("rulebook", "0002_order_parameters"),
    ]

    operations = [
        migrations.RunPython(publish_shop_parameters, migrations.RunPython.noop),
    ]

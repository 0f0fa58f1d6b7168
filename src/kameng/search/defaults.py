"""The synonym groups a fresh install starts with: how buyers of a card shop say the same thing
in different words (``services.install_default_synonyms``; an operator edits them afterwards)."""

DEFAULT_SYNONYMS: list[tuple[str, list[str]]] = [
    ("card-key", ["卡密", "卡号", "密码", "兑换码", "激活码"]),
    ("activation-failed", ["激活失败", "无法激活", "激活不了", "不能激活"]),  # not 用不了: too broad
    ("not-arrived", ["未到账", "没到账", "没收到", "还没到", "不到账", "没到"]),
    ("delay", ["延迟", "很慢", "好久", "太慢", "迟迟"]),
    ("already-used", ["已被使用", "已使用", "被用过", "被使用", "用过了"]),
    ("region", ["区服", "大区", "服务器", "区号"]),
    ("service", ["客服", "商家", "掌柜", "卖家", "店家"]),
    ("refund", ["退款", "退钱", "退货"]),
    ("top-up", ["话费", "充值", "直充"]),
    ("invalid", ["无效", "错误", "不对"]),
    ("no-reply", ["不回", "不回复", "不理", "没人理"]),
    ("complaint", ["投诉", "举报", "维权"]),
    ("evidence", ["证据", "截图", "录屏"]),
    ("membership", ["会员", "vip"]),
    ("qq", ["qq", "扣扣"]),
]

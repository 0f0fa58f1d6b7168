"""The first version of the rulebook (售后处理规范): clause texts in Chinese and English.

A clause's number is its code; the engine cites codes, so a number never changes meaning between
versions. ``{param}`` in a text is replaced by that parameter's value in the version shown.
These texts are data, not gettext messages: operators edit them by publishing a new version.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Clause codes the after-sales engine cites: no version may drop them.
REQUIRED: frozenset[str] = frozenset(
    {
        "1.1", "1.2", "1.3",
        "2.1", "2.2", "2.3",
        "3.1", "3.2", "3.3", "3.4", "3.5", "3.6",
        "4.1", "4.2", "4.3", "4.4", "4.5",
        "5.1", "5.2", "5.3", "5.4", "5.5",
        "6.1",
        "7.1", "7.2",
        "8.1", "8.2", "8.3", "8.4", "8.5",
        "8.6", "8.7", "8.8", "8.9",  # where the order parameters are explained (params.py)
        "9.1",
        "10.1", "10.2", "10.3", "10.4", "10.5", "10.6",
    }
)  # fmt: skip

# Chapter headings on the rulebook page (not versioned: they only group the clauses).
CHAPTERS = {
    "1": _("General principles"),
    "2": _("Opening a case"),
    "3": _("Merchant stage"),
    "4": _("Platform intervention"),
    "5": _("Liability by problem type"),
    "6": _("Appeals"),
    "7": _("Buyer silence and withdrawal"),
    "8": _("Money"),
    "9": _("External escalation"),
    "10": _("Shops"),
}


def _c(code: str, title_zh: str, title_en: str, body_zh: str, body_en: str) -> dict[str, str]:
    return {"code": code, "title_zh": title_zh, "title_en": title_en, "body_zh": body_zh, "body_en": body_en}


CLAUSES: tuple[dict[str, str], ...] = (
    # --- 1 总则 -------------------------------------------------------------------------------------
    _c(
        "1.1",
        "适用范围",
        "Scope",
        "本规范适用于在 Kameng 平台成交的全部订单所产生的售后单，约束买家、商家、平台客服与平台运营。"
        "商家在店铺或商品页面公布的退款政策可以在本规范之上增加保障，但不得减少；两者冲突时，以本规范为准。"
        "售后单适用其开启时生效的规范版本。",
        "This rulebook governs every after-sales case arising from an order placed on Kameng, and binds "
        "buyers, merchants, support agents and operators. A shop's own refund policy may add to these "
        "protections but never take any away; where the two conflict, this rulebook prevails. A case is "
        "handled under the rulebook version in force when it was opened.",
    ),
    _c(
        "1.2",
        "事实优先",
        "Facts first",
        "认定责任首先依据平台的系统记录：支付、发货、卡密查看的时间与来源、上游供应商的回执、消息与上传文件，"
        "均记录在订单时间线上，带哈希链和时间戳，任何一方都无法修改。一方的陈述与系统记录不符时，以系统记录为准；"
        "系统记录无法说明的事项，再依据双方提交的证据认定。",
        "Liability is decided on the platform's own records first: payment, delivery, when and from where a "
        "card key was revealed, the upstream supplier's answers, messages and uploads are all kept on the "
        "order timeline, hash-chained and timestamped, and no party can alter them. Where a party's statement "
        "contradicts the system record, the record prevails; what the records cannot show is settled on the "
        "evidence both parties submit.",
    ),
    _c(
        "1.3",
        "逾期即失去该步骤",
        "Silence loses the step",
        "售后的每一步都有处理期限，显示在售后单上；期限届满前 {reminder_before_hours} 小时，平台提醒应当处理的一方。"
        "期限届满仍未处理的一方，视为放弃该步骤，售后单按本规范自动进入下一步，无需另一方申请。",
        "Every step of a case has a deadline, shown on the case; the party who must act is reminded "
        "{reminder_before_hours} hours before it passes. A party who has not acted when the deadline passes "
        "gives up that step, and the case moves on as this rulebook says, without the other party having to ask.",
    ),
    # --- 2 售后单 -----------------------------------------------------------------------------------
    _c(
        "2.1",
        "售后期限",
        "Case window",
        "买家可在以下期限内发起售后：卡密商品，发货后 {case_window_card_key_hours} 小时内；"
        "直充商品，充值结果返回后 {case_window_direct_topup_hours} 小时内；"
        "人工发货商品，发货后 {case_window_manual_hours} 小时内。订单未发货的，期限自付款时起算。"
        "超过期限的申请不予受理；重复扣款（8.4）不受此限。",
        "A buyer may open a case within {case_window_card_key_hours} hours after delivery for card-key "
        "products, within {case_window_direct_topup_hours} hours after the top-up result for direct top-ups, "
        "and within {case_window_manual_hours} hours after delivery for manually delivered products. If nothing "
        "was delivered, the window runs from payment. Requests after the window are not accepted; duplicate "
        "charges (8.4) are not subject to it.",
    ),
    _c(
        "2.2",
        "一个订单一个进行中的售后单",
        "One open case per order",
        "同一订单同一时间只能有一个进行中的售后单。前一个售后单结案后，买家可以就新的问题另行发起；"
        "已有终局裁决或已撤销的同一问题，不得再次发起。",
        "An order can have only one open case at a time. Once a case is closed, the buyer may open another "
        "for a new problem; a problem that has had a final ruling, or whose case was withdrawn, cannot be "
        "raised again.",
    ),
    _c(
        "2.3",
        "售后期间资金冻结",
        "Escrow is frozen while a case is open",
        "售后单开启后，订单中涉及部分的担保资金立即冻结：结案前既不结算给商家，也不因自动确认收货而放款。"
        "结案后，按处理结果退款或解冻结算。",
        "When a case opens, the escrow for the affected part of the order is frozen at once: until the case "
        "closes it is neither settled to the merchant nor released by auto-confirmation. When the case closes "
        "it is refunded or settled according to the outcome.",
    ),
    _c(
        "2.4",
        "附件",
        "Attachments",
        "双方可以在售后对话中上传图片、短视频和文本文件作为证据。单个文件不超过 {attachment_max_bytes}，"
        "视频不超过 {attachment_video_max_bytes}，每条消息最多 {attachment_max_per_message} 个附件。"
        "平台按文件内容而非文件名判断类型，不符合的文件不予接收。附件上传后计算哈希并记入时间线，不能修改或删除。",
        "Both parties may upload images, short videos and text files to the case conversation as evidence. "
        "A file may be at most {attachment_max_bytes}, a video at most {attachment_video_max_bytes}, and a "
        "message may carry at most {attachment_max_per_message} attachments. The platform checks a file's "
        "type by its content, not its name, and refuses files that do not match. Uploads are hashed and "
        "recorded on the timeline, and cannot be changed or removed once sent.",
    ),
    # --- 3 商家处理 ---------------------------------------------------------------------------------
    _c(
        "3.1",
        "商家答复期限",
        "The merchant's deadline",
        "售后单开启后，商家须在 {merchant_answer_hours} 小时内处理：同意买家的诉求（3.2）、提出其他方案（3.3），"
        "或拒绝并说明理由（3.4）。",
        "Once a case opens, the merchant must answer within {merchant_answer_hours} hours: accept the buyer's "
        "demand (3.2), make an offer (3.3), or refuse with reasons (3.4).",
    ),
    _c(
        "3.2",
        "商家同意",
        "The merchant accepts",
        "商家可以同意全额退款、部分退款、更换卡密或重新发货。同意后由平台立即执行：退款按第 8.1 条的顺序支付，"
        "更换卡密按第 8.5 条从库存分配，重新发货按原发货方式进行。执行完毕，售后单结案。",
        "The merchant may accept a full refund, a partial refund, a replacement key or a redelivery. The "
        "platform then carries it out at once: refunds are paid as set out in 8.1, replacement keys are "
        "allocated as in 8.5, and redeliveries use the original delivery method. The case closes when this "
        "is done.",
    ),
    _c(
        "3.3",
        "商家提出方案",
        "Offers",
        "商家可以提出与买家诉求不同的方案，例如部分退款、补偿或换货。买家须在 {buyer_answer_hours} 小时内接受或拒绝："
        "接受的，按第 3.2 条执行；拒绝的，买家可以申请平台介入（4.1）；逾期未答复的，按第 7.1 条处理。",
        "The merchant may offer something other than what the buyer asked for, such as a partial refund, "
        "compensation or a replacement. The buyer accepts or declines within {buyer_answer_hours} hours: an "
        "accepted offer is carried out as in 3.2; after declining, the buyer may ask for platform intervention "
        "(4.1); no answer in time is handled under 7.1.",
    ),
    _c(
        "3.4",
        "拒绝须有理由和证据",
        "A refusal needs reasons and evidence",
        "商家拒绝的，必须写明理由并提供证据，例如卡密在发货前未被使用的记录、上游供应商的充值成功凭证、"
        "买家下单时填写信息有误的记录。没有理由或证据的拒绝，在平台介入后不予采信。",
        "A merchant who refuses must give reasons and evidence: for example a record that the key was unused "
        "before delivery, the supplier's proof that the top-up succeeded, or a record that the details the "
        "buyer gave at checkout were wrong. A refusal without reasons or evidence carries no weight once the "
        "platform steps in.",
    ),
    _c(
        "3.5",
        "请买家补充信息",
        "Asking the buyer for information",
        "商家可以请买家补充信息，例如截图或账号所在区服。请求发出后，商家的答复期限暂停；买家须在 "
        "{buyer_answer_hours} 小时内答复。买家答复后，商家的期限按暂停时剩余的时间继续计算。"
        "买家逾期未答复的，按第 7.1 条处理。",
        "The merchant may ask the buyer for information, such as a screenshot or the account's region or "
        "server. The merchant's clock pauses while the question is open, and the buyer must answer within "
        "{buyer_answer_hours} hours. Once the buyer answers, the merchant's clock resumes with the time that "
        "was left. A buyer who does not answer in time is handled under 7.1.",
    ),
    _c(
        "3.6",
        "商家逾期自动升级",
        "Merchant silence escalates automatically",
        "商家在期限内未作任何处理的，售后单自动转入平台介入，无需买家申请，并记为该店铺的一次超时（SLA 违约），"
        "按第 4.5 条累计。",
        "If the merchant has not answered when the deadline passes, the case goes to platform intervention "
        "automatically, without the buyer having to ask, and counts as an SLA breach against the shop under 4.5.",
    ),
    # --- 4 平台介入 ---------------------------------------------------------------------------------
    _c(
        "4.1",
        "申请平台介入的时机",
        "When the buyer may ask for intervention",
        "有下列情形之一的，买家可以申请平台介入：商家拒绝；买家拒绝了商家提出的方案；商家的答复期限已过。"
        "商家处理阶段尚未结束时提出的申请属于越级申请，不予受理，但第 4.2 条规定的情形除外。",
        "The buyer may ask for platform intervention when the merchant has refused, when the buyer has "
        "declined the merchant's offer, or when the merchant's deadline has passed. A request made while the "
        "merchant stage is still running is out of order and is refused, except in the cases of 4.2.",
    ),
    _c(
        "4.2",
        "提前介入的例外",
        "Early intervention",
        "有下列情形之一的，买家可以直接申请平台介入，不必等待商家处理阶段结束："
        "（一）商家无法联系，即店铺连续 {merchant_unreachable_days} 天没有任何操作，或店铺已被冻结、封禁；"
        "（二）售后单符合极速退款的条件（8.3）。",
        "The buyer may ask for platform intervention at once, without waiting for the merchant stage to end, "
        "when (a) the merchant is unreachable: the shop has shown no activity for {merchant_unreachable_days} "
        "days, or it is frozen or banned; or (b) the case qualifies for a fast refund (8.3).",
    ),
    _c(
        "4.3",
        "举证期",
        "Evidence window",
        "平台介入后进入举证期，双方须在 {evidence_window_hours} 小时内提交证据和说明。举证期届满后提交的材料，"
        "客服可以不予采纳。一方未举证的，客服依据系统记录和另一方的证据裁决。",
        "Platform intervention opens an evidence window of {evidence_window_hours} hours in which both "
        "parties submit their evidence and statements. Material sent after the window may be disregarded. If "
        "one party submits nothing, the agent rules on the system records and the other party's evidence.",
    ),
    _c(
        "4.4",
        "客服裁决",
        "The ruling",
        "举证期届满后，售后单分配给平台客服，客服须在 {ruling_due_hours} 小时内裁决：全额退款、部分退款、"
        "更换卡密或驳回诉求。裁决必须写明理由，并引用本规范的具体条款。申诉期（6.1）届满无人申诉，"
        "或申诉已有决定的，裁决即为终局裁决。",
        "After the evidence window the case is assigned to a support agent, who rules within "
        "{ruling_due_hours} hours: full refund, partial refund, replacement key, or the claim rejected. Every "
        "ruling states its reasons and cites the clause of this rulebook it rests on. A ruling becomes final "
        "when the appeal window (6.1) passes without an appeal, or when the appeal has been decided.",
    ),
    _c(
        "4.5",
        "处罚与超时",
        "Penalties and SLA breaches",
        "商家有过错的，客服可以在裁决中附加处罚，每个售后单最高 {penalty_max_fen}，从商家余额或保证金中扣除。"
        "店铺在 30 天内累计 {sla_breaches_to_warn_shop} 次超时（SLA 违约）的，店铺被警告，并在店铺页面公示。",
        "Where the merchant is at fault, the agent may add a penalty to the ruling, at most {penalty_max_fen} "
        "per case, taken from the merchant's balance or deposit. A shop with {sla_breaches_to_warn_shop} SLA "
        "breaches within 30 days is put on warning, which is shown on its public page.",
    ),
    # --- 5 责任认定 ---------------------------------------------------------------------------------
    _c(
        "5.1",
        "卡密无效或已被使用",
        "Invalid or already redeemed key",
        "已发货的卡密被买家报告无效或已被使用，而该卡密在发货前未被报告为已使用的，由商家承担责任："
        "商家应更换卡密（8.5）或退款。同一卡密指纹被其他买家报告过的，进一步证明卡密本身有问题。",
        "When a delivered card key is reported invalid or already redeemed, and it had not been reported as "
        "used before it was delivered, the merchant is responsible and must replace the key (8.5) or refund. "
        "Reports of the same key fingerprint by other buyers further support the claim.",
    ),
    _c(
        "5.2",
        "未发货或少发",
        "Not delivered or partly delivered",
        "订单未发货、直充未到账或少发的，买家有权就未交付的部分获得退款；买家同意的，商家也可以补发。"
        "上游供应商返回充值失败的直充订单，按极速退款（8.3）处理。",
        "If an order was not delivered, a direct top-up was not credited, or fewer units were delivered than "
        "were paid for, the buyer is entitled to a refund of the undelivered part; if the buyer agrees, the "
        "merchant may deliver it instead. A direct top-up the upstream supplier reported as failed is refunded "
        "as a fast refund (8.3).",
    ),
    _c(
        "5.3",
        "与商品描述不符",
        "Not as listed",
        "交付的面值、区服或类型与商品页面的描述不符的，由商家承担责任，买家可以要求更换或退款。"
        "买家按商品页面的要求正确填写了区服信息的，区服错误由商家承担。",
        "If what was delivered differs from the listing in face value, region or server, or card type, the "
        "merchant is responsible and the buyer may ask for a replacement or a refund. If the buyer gave the "
        "region or server the listing asked for, a wrong region is the merchant's fault.",
    ),
    _c(
        "5.4",
        "买家自身原因",
        "Causes on the buyer's side",
        "因买家自身原因无法使用的，诉求不予支持，例如：下单时填写的账号或区服信息有误；账号被封禁、受限，"
        "或不满足商品页面写明的使用条件；卡密已被买家本人或买家让其看到卡密的人使用。",
        "Where the goods cannot be used for reasons on the buyer's side, the claim is rejected: for example, "
        "the account or region given at checkout was wrong; the account is banned, restricted, or does not "
        "meet the conditions stated on the product page; or the key was used by the buyer or by someone the "
        "buyer showed it to.",
    ),
    _c(
        "5.5",
        "服务问题与延迟",
        "Service failures and delays",
        "商家发货晚于商品页面承诺的时间，或售后无响应、处理周期过长、推诿的，即使商品本身没有问题，"
        "客服也可以裁决商家给予买家合理补偿，并可依第 4.5 条附加处罚。",
        "When the merchant delivers later than the product page promised, does not answer, drags out the "
        "handling or passes the buck, the agent may award the buyer reasonable compensation even if the goods "
        "themselves are fine, and may add a penalty under 4.5.",
    ),
    # --- 6 申诉 -------------------------------------------------------------------------------------
    _c(
        "6.1",
        "申诉",
        "Appeal",
        "对裁决不服的，买卖双方各可在裁决作出后 {appeal_window_hours} 小时内申诉一次，并须说明理由。"
        "申诉由未参与原裁决的另一名客服处理，申诉决定为终局裁决。",
        "Either party who disagrees with a ruling may appeal once, giving reasons, within "
        "{appeal_window_hours} hours of the ruling. The appeal is decided by a different agent who took no "
        "part in the original ruling, and that decision is final.",
    ),
    # --- 7 买家逾期与撤销 -------------------------------------------------------------------------------
    _c(
        "7.1",
        "买家逾期",
        "Buyer silence",
        "需要买家答复或操作的步骤，买家逾期未处理的，售后单按有利于商家的结果结案，冻结的资金解冻结算。"
        "买家可以在结案后 {reopen_window_hours} 小时内重新打开售后单一次。",
        "If the buyer does not answer or act when a step requires it, the case closes in the merchant's "
        "favour and the frozen escrow is released for settlement. The buyer may reopen the case once, within "
        "{reopen_window_hours} hours of its closing.",
    ),
    _c(
        "7.2",
        "买家撤销",
        "The buyer withdraws",
        "终局裁决作出前，买家可以随时撤销售后单。撤销后售后单结案，冻结的资金解冻结算，同一问题不得再次发起。",
        "The buyer may withdraw a case at any time before a final ruling. The case then closes, the frozen "
        "escrow is released, and the same problem cannot be raised again.",
    ),
    # --- 8 资金 -------------------------------------------------------------------------------------
    _c(
        "8.1",
        "退款的资金来源",
        "Where a refund comes from",
        "退款依次来自：该订单被冻结的担保资金；已结算的，从商家可用余额中扣回；余额不足的，从商家保证金中扣除。"
        "退款退入买家的平台钱包。",
        "A refund is paid, in this order, from the order's frozen escrow; if the order was already settled, "
        "from the merchant's available balance; if that is short, from the merchant's deposit. Refunds go to "
        "the buyer's platform wallet.",
    ),
    _c(
        "8.2",
        "先行赔付",
        "Advance compensation",
        "按第 8.1 条仍不足以退款的，由平台保障基金先行赔付买家。差额记为商家对平台的欠款，"
        "从商家此后的结算中扣回；欠款还清之前，商家的提现被冻结。",
        "If 8.1 still leaves the refund short, the platform's guarantee fund pays the buyer first (先行赔付). "
        "The difference is recorded as the merchant's debt to the platform and recovered from the merchant's "
        "later settlements; the merchant's payouts stay frozen until it is repaid.",
    ),
    _c(
        "8.3",
        "极速退款",
        "Fast refund",
        "同时满足下列条件的售后单，平台立即退款，无需等待商家处理：（一）退款金额不超过 {fast_refund_max_fen}；"
        "（二）买家最近 30 天内获得的极速退款（含本次）不超过 {fast_refund_max_per_buyer_30d} 次；"
        "（三）系统记录证明下列事实之一：上游供应商返回充值失败、卡密从未被查看、商家无法联系（4.2）。"
        "商家可以在退款后 {fast_refund_contest_hours} 小时内提出异议，由平台裁决；异议成立的，退款从买家钱包中追回。",
        "The platform refunds at once, without waiting for the merchant, when all of these hold: (a) the "
        "refund is at most {fast_refund_max_fen}; (b) the buyer has had at most "
        "{fast_refund_max_per_buyer_30d} fast refunds in the last 30 days, this one included; (c) the system "
        "records establish one of these facts: the upstream supplier reported the top-up failed, the card key "
        "was never revealed, or the merchant is unreachable (4.2). The merchant may contest the refund within "
        "{fast_refund_contest_hours} hours and the platform rules on it; if the contest succeeds, the refund "
        "is recovered from the buyer's wallet.",
    ),
    _c(
        "8.4",
        "重复扣款",
        "Duplicate charges",
        "系统发现同一订单被重复扣款的，多扣的款项自动退回买家钱包，无需发起售后单，也不受售后期限的限制。",
        "When the system finds that an order was charged more than once, the extra charge is refunded to the "
        "buyer's wallet automatically, without a case and regardless of the case window.",
    ),
    _c(
        "8.5",
        "更换卡密",
        "Replacement keys",
        "更换卡密时，平台从该商品的库存中为买家分配一张新卡密，同时作废被报告的卡密，两者在同一操作中完成。"
        "库存不足的，改为退款。",
        "For a replacement, the platform allocates a new card key from the product's inventory to the buyer "
        "and revokes the reported key in the same step. If no key is left in stock, the buyer is refunded "
        "instead.",
    ),
    _c(
        "8.6",
        "付款与自动确认",
        "Payment and auto-confirmation",
        "下单后须在 {payment_window_minutes} 分钟内付款，逾期未付款的订单自动取消。买家的付款全部进入平台担保，"
        "不直接付给商家。每一批发货后，买家可以确认收货；买家没有确认、也没有进行中的售后单（2.3）的，"
        "发货 {protection_window_hours} 小时后自动确认收货，该批的担保资金结算给商家。",
        "An order must be paid within {payment_window_minutes} minutes of being placed; an unpaid order is "
        "cancelled after that. Every payment is held in the platform's escrow and never goes to the merchant "
        "directly. After each delivery the buyer may confirm receipt; if the buyer has not confirmed it and no "
        "case is open on it (2.3), the delivery is confirmed automatically {protection_window_hours} hours after "
        "it was delivered, and its escrow is settled to the merchant.",
    ),
    _c(
        "8.7",
        "佣金与适用版本",
        "Commission, and which version an order follows",
        "结算时，平台按结算金额的 {commission_bps} 收取佣金（不足一分的部分不收），其余计入商家可用余额；"
        "结算前已从担保资金退给买家的部分不结算，也不收佣金。订单的付款期限、自动确认期限和佣金适用下单时生效的"
        "规范版本：此后发布的新版本不改变已经下的订单。",
        "At settlement the platform takes a commission of {commission_bps} of the amount settled (rounded down "
        "to the fen) and the rest goes to the merchant's available balance; what was refunded to the buyer from "
        "escrow before settlement is neither settled nor charged commission. An order's payment window, "
        "auto-confirmation window and commission are those of the rulebook version in force when it was placed: "
        "a version published later does not change an order already placed.",
    ),
    _c(
        "8.8",
        "分批到账",
        "Batched delivery",
        "订单金额超过 {batch_threshold_fen} 的分批到账：每批价值不超过 {batch_threshold_fen}（至少一件），"
        "上一批确认收货或自动确认后再发下一批。每一批分别起算自动确认期限，分别结算。",
        "An order worth more than {batch_threshold_fen} is delivered in batches (分批到账), each worth at most "
        "{batch_threshold_fen} (at least one unit); the next batch is delivered once the previous one is "
        "confirmed or auto-confirmed. Each batch has its own auto-confirmation deadline and is settled on its own.",
    ),
    _c(
        "8.9",
        "提现",
        "Payouts",
        "商家可以把可用余额提现，每次不少于 {payout_min_fen}。店铺被冻结或封禁，或对平台有未还清的欠款（8.2）的，"
        "提现被冻结。",
        "A merchant may withdraw the available balance, at least {payout_min_fen} at a time. Payouts are frozen "
        "while the shop is frozen or banned, or while it owes the platform a debt (8.2).",
    ),
    # --- 9 外部维权 ---------------------------------------------------------------------------------
    _c(
        "9.1",
        "外部维权",
        "External escalation",
        "终局裁决作出后，买家仍不满意的，可以向 12315 平台投诉或向人民法院起诉。平台为此提供投诉材料包，"
        "包括订单事实、时间线、诉求、双方信息，以及全部证据及其哈希值和时间戳。平台的裁决不影响当事人依法享有的权利。",
        "After a final ruling, a buyer who is still not satisfied may complain through the 12315 consumer "
        "platform or take the matter to court. The platform provides a complaint package for this: the "
        "order's facts, the timeline, the demand, both parties' details, and every piece of evidence with its "
        "hash and timestamp. A platform ruling does not limit anyone's rights under the law.",
    ),
    _c(
        "10.1",
        "入驻申请与保证金",
        "Opening a shop, and its deposit",
        "申请开店（入驻）须填写店铺名称、介绍、经营类目和联系方式，上传身份证明或营业执照，并从钱包缴纳不少于 "
        "{shop_deposit_min_fen} 的保证金。证件只有申请人和平台运营可以看到。"
        "运营审核后批准、驳回（写明理由）或要求补充材料；批准后店铺开通，保证金转为店铺保证金，用于先行赔付和罚款（8.2）；驳回或申请人撤回的，保证金全额退回钱包。"
        "开店的账号成为商家账号：已经买过东西的账号不能开店，请另用一个账号。",
        "To open a shop, an applicant gives the shop's name, description, category of goods and a contact, "
        "uploads an identity or business document, and pays a deposit of at least {shop_deposit_min_fen} from "
        "the wallet. Only the applicant and the platform's operators see the documents. An operator approves, "
        "rejects (with a reason) or asks for more; on approval the shop opens and the deposit becomes the shop's "
        "deposit, which answers for advances and penalties (8.2); on rejection or withdrawal the whole deposit "
        "goes back to the wallet. The account that opens a shop becomes a merchant account: an account that has "
        "bought anything cannot open one; use another account.",
    ),
    _c(
        "10.2",
        "评价与追评",
        "Reviews and follow-up reviews",
        "订单确认收货（含自动确认）后 {review_window_days} 天内，买家可以评价一次："
        "描述相符、发货速度、售后服务各 1–5 星，文字和标签。订单上的售后单结束后，买家可以追评一次。"
        "商家可以回复每条评价一次。"
        "裁决认定责任在买家的订单的评价，以及 90 天内 {claim_abuse_flag_count} 次以上被裁定诉求不成立的买家的评价，"
        "不计入店铺评分，但仍然公开并加注说明；"
        "这样的买家也不再享受极速退款（8.3），客服处理时可以看到其索赔记录。"
        "运营只能依据规范条款隐藏评价，隐藏记录在案，页面显示“依据第 N 条隐藏”。",
        "Within {review_window_days} days of an order being confirmed (or auto-confirmed), the buyer may review it "
        "once: 1–5 stars for item as described, delivery speed and after-sales service, text and tags. After "
        "an after-sales case on the order ends, the buyer may add one follow-up review. The merchant may reply "
        "to each review once. Reviews of orders where a ruling found the buyer responsible, and reviews by a "
        "buyer with {claim_abuse_flag_count} or more claims ruled unfounded in 90 days, do not count towards "
        "the shop's score but stay public with a mark; such a buyer is not offered fast refunds (8.3), and agents "
        "see their claim history. Operators hide a review only under a clause of this "
        'rulebook; the hiding is recorded and the page shows "hidden under clause N".',
    ),
    _c(
        "10.3",
        "买前提示与新账号限额",
        "Before buying, and limits for new accounts",
        "下单前，买家确认商家写明的使用规则、区服要求和退款说明。订单金额超过 {batch_threshold_fen} 的分批到账（8.8），"
        "货款始终由平台担保（8.6）。第一次在开店不满 {new_shop_days} 天或被警告的店铺购买时，页面会提示风险。"
        "注册不满 {new_account_days} 天的账号，每笔订单不超过 {new_account_order_max_fen}。",
        "Before ordering, the buyer confirms the usage rules, region or server requirements and refund policy "
        "the shop wrote. An order worth more than {batch_threshold_fen} is delivered in batches (8.8), and the "
        "payment is always held in escrow (8.6). A buyer's first order from a shop open for less than "
        "{new_shop_days} days, or from a warned shop, comes with a warning. An account younger than "
        "{new_account_days} days may place orders of at most {new_account_order_max_fen} each.",
    ),
    _c(
        "10.4",
        "店铺指标与评分",
        "Shop figures and score",
        "每个店铺公开最近 {metrics_window_days} 天的指标：店铺评分、售后率（售后单数 / 订单数）、纠纷败诉率"
        "（最终裁决认定商家责任的售后单 / 订单数）、卡密无效率（成立的“卡密无效 / 已被使用”所涉卡密 / 售出卡密）、"
        "首次响应时间的中位数、超时次数和经营月数。售后单计入其发起之日，订单计入付款之日，卡密计入交付之日，评价计入发表之日。"
        "店铺评分是三项评分（描述相符、发货速度、售后服务）的贝叶斯平均数的平均值："
        "每项都像先有 {score_prior_reviews} 条 "
        "{score_prior_stars} 星的评价一样起算，因此少量五星评价不会排在大量 4.9 星之前。不计入评分的评价见 10.2。",
        "Every shop shows its figures over the last {metrics_window_days} days: its score, after-sales rate "
        "(cases / orders), disputes lost (cases whose final ruling found the merchant responsible / orders), "
        "invalid-key rate (keys in upheld 'card key invalid / already redeemed' claims / keys sold), the median "
        "time to the merchant's first response in a case, missed deadlines (SLA breaches) and months selling. A "
        "case counts on the day it was opened, an order on the day it was paid, keys on the day they were "
        "handed over, a review on the day it was posted. The score is the mean of three Bayesian averages (item "
        "as described, delivery speed, after-sales service): each starts as if the shop already had "
        "{score_prior_reviews} reviews of {score_prior_stars} stars, so a few five-star reviews do not outrank "
        "thousands at 4.9. Reviews that do not count are set out in 10.2.",
    ),
    _c(
        "10.5",
        "金牌商家与平台认证商家",
        "Gold shops and certified shops",
        "店铺在 {metrics_window_days} 天内同时满足以下全部条件时为金牌商家：订单不少于 {gold_min_orders} 笔，"
        "评分不低于 {gold_min_score}，售后率不高于 {gold_max_aftersales_bps}，纠纷败诉率不高于 {gold_max_dispute_bps}，"
        "卡密无效率不高于 {gold_max_invalid_key_bps}，超时不超过 {gold_max_sla_breaches} 次，首次响应中位数不超过 "
        "{gold_max_response_minutes}，经营不少于 {gold_min_months}，且没有生效中的处罚（10.6）。任何一项不再满足，"
        "金牌即取消，商家可以看到是哪一项未达标；重新满足后自动恢复。平台认证商家：运营审核通过身份或营业执照证件，"
        "并且店铺保证金不少于 {certified_min_deposit_fen}；保证金低于该金额时认证标识不显示。",
        "A shop is a gold shop while, over {metrics_window_days} days, all of these hold: at least "
        "{gold_min_orders} orders, a score of at least {gold_min_score}, an after-sales rate of at most "
        "{gold_max_aftersales_bps}, disputes lost at most {gold_max_dispute_bps}, an invalid-key rate of at most "
        "{gold_max_invalid_key_bps}, at most {gold_max_sla_breaches} missed deadlines, a median first response "
        "within {gold_max_response_minutes}, at least {gold_min_months} selling, and no penalty in force (10.6). "
        "When any of them stops holding the badge is lost, and the merchant sees which figure fell short; it "
        "comes back by itself when they hold again. A certified shop is one whose identity or business documents "
        "an operator approved and whose deposit is at least {certified_min_deposit_fen}; below that the badge is "
        "not shown.",
    ),
    _c(
        "10.6",
        "自动处罚",
        "Automatic penalties",
        "以下处罚按指标自动执行，每项都写明依据的条款和触发它的数字，并在指标恢复后自动解除。"
        "卡密无效率和纠纷败诉率只在 {metrics_window_days} 天内售出至少 {penalty_min_keys} 张卡密、"
        "或有至少 {penalty_min_orders} 笔订单时计算。卡密无效率达到 {warn_invalid_key_bps}：警告，并在店铺页面公示；"
        "纠纷败诉率达到 {demote_dispute_bps}：搜索排序降权；某个商品的卡密无效率达到 {delist_invalid_key_bps}："
        "该商品下架（频繁发无效卡密）；纠纷败诉率达到 {freeze_payouts_dispute_bps}：冻结提现；"
        "卡密无效率达到 {freeze_shop_invalid_key_bps}：冻结店铺。4.5 的超时警告也是这样的处罚，"
        "30 天内超时少于 {sla_breaches_to_warn_shop} 次时解除。商家可以对处罚申诉一次，由运营复核：维持或撤销；"
        "撤销后，同一规则在 {metrics_window_days} 天内不再对同一对象自动处罚。",
        "These penalties follow from the figures by themselves; each cites its clause and the figures that "
        "triggered it, and lifts by itself when the figures recover. Invalid-key rates and disputes lost count "
        "only once a shop (or product) has sold at least {penalty_min_keys} keys, or had at least "
        "{penalty_min_orders} orders, in {metrics_window_days} days. An invalid-key rate of {warn_invalid_key_bps} "
        "or more: a warning, shown on the shop's page. Disputes lost of {demote_dispute_bps} or more: the shop's "
        "listings are demoted in search. A product's own invalid-key rate of {delist_invalid_key_bps} or more: "
        "the product is delisted (it often sends invalid keys). Disputes lost of {freeze_payouts_dispute_bps} or "
        "more: payouts are frozen. An invalid-key rate of {freeze_shop_invalid_key_bps} or more: the shop is "
        "frozen. The SLA warning of 4.5 is one of these penalties too, and lifts once fewer than "
        "{sla_breaches_to_warn_shop} deadlines were missed in 30 days. A merchant may appeal a penalty once, to "
        "an operator, who upholds or overturns it; once overturned, the same rule does not penalise the same "
        "shop or product by itself again for {metrics_window_days} days.",
    ),
)

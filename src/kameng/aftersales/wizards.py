# ruff: noqa: E501  (Chinese sentences read better unbroken)
"""The self-check wizards (自查) a fresh install starts with, one per problem subtype
(``services.selfcheck.install_default_wizards``). Data only, in the step language of
``aftersales.selfcheck``; operators and agents edit them afterwards (a new version each save).
Articles are referred to by the slugs of the 售后知识库's starter set."""

from __future__ import annotations


def q(sid: str, zh: str, en: str, *answers: tuple[str, str, str]) -> dict:
    return {
        "id": sid,
        "kind": "question",
        "text_zh": zh,
        "text_en": en,
        "answers": [{"label_zh": a, "label_en": b, "next": n} for a, b, n in answers],
    }


def fact(sid: str, name: str, zh: str, en: str, yes: str, no: str) -> dict:
    return {"id": sid, "kind": "fact", "fact": name, "text_zh": zh, "text_en": en, "yes": yes, "no": no}


def solved(sid: str, zh: str, en: str) -> dict:
    return {"id": sid, "kind": "solved", "text_zh": zh, "text_en": en}


def article(sid: str, slug: str, zh: str, en: str) -> dict:
    return {"id": sid, "kind": "article", "slug": slug, "text_zh": zh, "text_en": en}


def case(sid: str = "case", zh: str = "", en: str = "") -> dict:
    return {
        "id": sid,
        "kind": "open_case",
        "text_zh": zh or "自查没有解决问题。请申请售后：你的回答会附在售后单里，商家和平台都能看到。",
        "text_en": en
        or "The self-check did not solve it. Open an after-sales case: your answers go with it, for the merchant "
        "and the platform to read.",
    }


YES_NO = (("是", "Yes"), ("否", "No"))

# Ends shared by several wizards.
WAIT_TOPUP = solved(
    "wait_topup",
    "这笔直充 {sent_minutes_ago} 分钟前已提交给上游供货商，供货商承诺在 {promised_minutes} 分钟内给出结果，现在还在承诺时间内。"
    "请等到 {wait_until} 再查看余额；如果供货商报告失败，钱会自动退回你的钱包。到时仍未到账，再回来申请售后。",
    "This top-up was sent to the upstream supplier {sent_minutes_ago} minutes ago; the supplier promises a result "
    "within {promised_minutes} minutes, and that time has not passed yet. Please check your balance again after "
    "{wait_until}. If the supplier reports a failure, the money goes back to your wallet by itself. If it is still "
    "missing by then, come back and open a case.",
)
WAIT_MANUAL = solved(
    "wait_manual",
    "这是人工发货的商品，商家承诺在 {manual_due_at} 之前发货，现在还在承诺时间内。请等到那时；超时未发货，平台会自动给你退款。",
    "This product is delivered by hand; the shop promised to deliver by {manual_due_at}, and that time has not "
    "passed yet. Please wait until then; if nothing comes in time, the platform refunds you by itself.",
)
TOPUP_FAILED = solved(
    "topup_failed",
    "上游供货商已报告这笔直充失败。平台会自动把这部分钱退回你的钱包，不需要申请售后；请在钱包里查看退款。",
    "The upstream supplier reported this top-up as failed. The platform returns that money to your wallet by "
    "itself; no case is needed. Look for the refund in your wallet.",
)
REVEAL_FIRST = solved(
    "reveal_first",
    "平台记录显示这张卡密还从未被查看过。请先打开订单 #{order_id}，点「查看卡密」，把卡密原样复制后再去兑换。仍然不行，再回来申请售后。",
    "The platform's records show this card key was never revealed. Open order #{order_id} first, press "
    '"Reveal key", copy the code exactly as shown and redeem it. If it still fails, come back and open a case.',
)


def _invalid_key() -> list[dict]:
    return [
        fact(
            "revealed",
            "key_never_revealed",
            "系统核对：这张卡密是否从未被查看过？",
            "Platform check: was this card key never revealed?",
            "reveal_first",
            "format",
        ),
        q(
            "format",
            "输入时是否可能有全角字符、多余空格，或把 0 和 O、1 和 l 弄混了？建议直接复制粘贴卡密再试一次。",
            "Could the code have been typed with full-width characters, extra spaces, or 0/O and 1/l mixed up? "
            "Copy and paste the key and try once more.",
            ("复制粘贴后仍然无效", "Still invalid after pasting", "where"),
            ("改正后可以用了", "It works now", "solved_format"),
        ),
        q(
            "where",
            "你是在商品页写明的平台和区服上兑换的吗？",
            "Did you redeem it on the platform and region / server the product page names?",
            ("是，平台和区服都对", "Yes, platform and region are right", "reported"),
            ("不确定", "Not sure", "region_article"),
        ),
        fact(
            "reported",
            "reported_elsewhere",
            "系统核对：同一批卡密是否已有其他买家反馈无效？",
            "Platform check: did other buyers report keys from the same batch?",
            "case_batch",
            "read",
        ),
        q(
            "read",
            "你看过《卡密显示无效怎么办》里的检查步骤了吗？",
            'Have you gone through the steps of "The code is shown as invalid: what to do"?',
            ("看过了，还是不行", "Yes, still not working", "case"),
            ("还没看", "Not yet", "article"),
        ),
        solved(
            "solved_format",
            "太好了！问题出在输入格式上。以后兑换时直接复制粘贴卡密即可。",
            "Good: it was the way the code was typed. Paste the key next time.",
        ),
        article(
            "region_article",
            "wrong-region",
            "区服或地区不对时卡密会提示无效。请对照这篇文章检查兑换的平台和区服。",
            "A key for another region often shows as invalid. Check the platform and region with this article.",
        ),
        article(
            "article",
            "invalid-key",
            "按这篇文章逐项检查；仍然无效就申请售后。",
            "Go through this article; if the key is still invalid, open a case.",
        ),
        case(
            "case_batch",
            "同一批卡密已有其他买家反馈无效，平台记录会附在售后单里。请直接申请售后。",
            "Other buyers reported keys from the same batch; the records go with your case. Please open a case.",
        ),
        case(),
        REVEAL_FIRST,
    ]


def _key_already_used() -> list[dict]:
    return [
        fact(
            "never",
            "key_never_revealed",
            "系统核对：这张卡密是否从未被查看过？",
            "Platform check: was this card key never revealed?",
            "case_never",
            "account",
        ),
        q(
            "account",
            "有没有可能你或家人已经在另一个账号上兑换过？请在兑换平台查看各账号的兑换记录。",
            "Could you or someone in your family have redeemed it on another account? Look at the redemption "
            "history of your accounts.",
            ("查过了，没有兑换过", "Checked: never redeemed", "reported"),
            ("在别的账号上兑换了", "It was redeemed on another account", "solved_other"),
            ("不知道怎么查", "I don't know how to check", "article"),
        ),
        fact(
            "reported",
            "reported_elsewhere",
            "系统核对：同一批卡密是否已有其他买家反馈问题？",
            "Platform check: did other buyers report keys from the same batch?",
            "case_batch",
            "case",
        ),
        solved(
            "solved_other",
            "卡密已经在你的另一个账号上兑换，权益在那个账号里，请到那个账号查看。",
            "The key was redeemed on your other account; what it bought is there.",
        ),
        article(
            "article",
            "key-already-used",
            "这篇文章说明如何查看兑换记录，以及卡密被他人使用时怎么办。",
            "This article shows how to find the redemption history and what to do if someone else used the key.",
        ),
        case(
            "case_never",
            "平台记录显示这张卡密从未在平台上被查看过，你不可能用过它。请直接申请售后，平台会以记录为准。",
            "The records show this key was never revealed on the platform, so you cannot have used it. Open a case: "
            "the records decide.",
        ),
        case(
            "case_batch",
            "同一批卡密已有其他买家反馈问题，记录会附在售后单里。请申请售后。",
            "Other buyers reported keys from the same batch; the records go with your case. Please open a case.",
        ),
        case(),
    ]


def _face_value_mismatch() -> list[dict]:
    return [
        q(
            "where",
            "面值不符出现在哪里？",
            "Where does the face value differ?",
            ("兑换后到账的金额比商品页少", "Less arrived than the product page says", "fee"),
            ("卡密本身的面值与商品页不同", "The key itself has another face value", "case"),
        ),
        q(
            "fee",
            "有些平台兑换时会扣手续费，或按汇率、折扣显示金额。请核对兑换平台的账单明细：差额是手续费或汇率造成的吗？",
            "Some platforms take a fee or show amounts after an exchange rate or discount. Check the platform's "
            "statement: is the difference a fee or an exchange rate?",
            ("是手续费或汇率", "Yes, a fee or exchange rate", "solved_fee"),
            ("不是，金额确实少了", "No, money is really missing", "case"),
        ),
        solved(
            "solved_fee",
            "差额来自兑换平台的手续费或汇率，不是卡密的问题。",
            "The difference is the platform's fee or exchange rate, not the key.",
        ),
        case(
            "case",
            "面值与商品页写明的不符，由商家负责。请申请售后并附上截图。",
            "A face value other than the product page states is the shop's to answer for. Open a case with a "
            "screenshot.",
        ),
    ]


def _wrong_region() -> list[dict]:
    return [
        fact(
            "has_fields",
            "has_buyer_fields",
            "系统核对：下单时是否填写了账号或区服信息？",
            "Platform check: did you enter account or server details at checkout?",
            "fields",
            "product",
        ),
        q(
            "fields",
            "下单时你填写的是：{buyer_fields}。这和你要充值的账号、区服一致吗？",
            "At checkout you entered: {buyer_fields}. Does it match the account and server you meant?",
            ("一致", "Yes, it matches", "product"),
            ("我填错了", "I entered it wrong", "case_typo"),
        ),
        q(
            "product",
            "商品页写明的区服或地区，和你的账号所在的区服一致吗？",
            "Does the region or server on the product page match your account's?",
            ("一致", "Yes", "case"),
            ("不一致或不确定", "No, or not sure", "article"),
        ),
        article(
            "article",
            "wrong-region",
            "这篇文章说明如何确认区服，以及买错区服时能怎么办。",
            "This article shows how to check the region and what can be done after buying the wrong one.",
        ),
        case(
            "case_typo",
            "信息填错通常由买家负责，但商家也许还能撤回或改充。请申请售后，写明正确的账号和区服。",
            "Details entered wrongly are usually the buyer's responsibility, but the shop may still be able to "
            "redirect it. Open a case with the correct account and server.",
        ),
        case(),
    ]


def _activation_failed() -> list[dict]:
    return [
        fact(
            "revealed",
            "key_never_revealed",
            "系统核对：这张卡密是否从未被查看过？",
            "Platform check: was this card key never revealed?",
            "reveal_first",
            "account",
        ),
        q(
            "account",
            "你的账号满足开通条件吗？例如已实名认证、没有同类会员正在生效、账号地区与商品一致。",
            "Does your account meet the conditions? For example: real-name verified, no membership of the same kind "
            "still running, the account's region matches the product.",
            ("都满足", "Yes, all of them", "retry"),
            ("不满足或不确定", "No, or not sure", "article"),
        ),
        q(
            "retry",
            "请等 10 分钟后，用复制粘贴的方式再激活一次。仍然失败吗？",
            "Wait 10 minutes and activate once more, pasting the code. Does it still fail?",
            ("仍然失败", "Still fails", "reported"),
            ("成功了", "It worked", "solved"),
        ),
        fact(
            "reported",
            "reported_elsewhere",
            "系统核对：同一批卡密是否已有其他买家反馈问题？",
            "Platform check: did other buyers report keys from the same batch?",
            "case_batch",
            "case",
        ),
        article(
            "article",
            "activation-failed-self-check",
            "按《点卡激活失败如何自查》逐项检查账号条件；都满足仍失败，再申请售后。",
            "Check your account's conditions with this article; if it still fails, open a case.",
        ),
        solved("solved", "激活成功，问题解决了。", "Activated: solved."),
        case(
            "case_batch",
            "同一批卡密已有其他买家反馈问题，记录会附在售后单里。请申请售后。",
            "Other buyers reported keys from the same batch; the records go with your case. Please open a case.",
        ),
        case(),
        REVEAL_FIRST,
    ]


def _not_delivered() -> list[dict]:
    return [
        fact(
            "topup",
            "is_direct_topup",
            "系统核对：这是直充订单吗？",
            "Platform check: is this a direct top-up?",
            "failed",
            "manual",
        ),
        fact(
            "failed",
            "topup_failed",
            "系统核对：供货商是否报告了直充失败？",
            "Platform check: did the supplier report the top-up as failed?",
            "topup_failed",
            "within",
        ),
        fact(
            "within",
            "topup_within_promise",
            "系统核对：直充是否还在供货商承诺的到账时间内？",
            "Platform check: is the top-up still inside the supplier's promised time?",
            "wait_topup",
            "balance",
        ),
        q(
            "balance",
            "请在充值的账号上查一下余额或充值记录（话费可以发短信给运营商查询），并确认下单时填写的 {buyer_fields} 无误。仍然没有到账吗？",
            "Check the balance or history of the account topped up (for phone credit, text your carrier), and that "
            "what you entered at checkout, {buyer_fields}, is right. Is it still missing?",
            ("仍未到账", "Still missing", "case"),
            ("已经到账了", "It has arrived", "solved"),
            ("不知道怎么查", "I don't know how to check", "article"),
        ),
        fact(
            "manual",
            "manual_within_promise",
            "系统核对：人工发货是否还在商家承诺的时间内？",
            "Platform check: is the manual delivery still inside the shop's promised time?",
            "wait_manual",
            "delivered",
        ),
        fact(
            "delivered",
            "delivered",
            "系统核对：平台是否记录了发货？",
            "Platform check: did the platform record the delivery?",
            "look",
            "case",
        ),
        q(
            "look",
            "平台记录显示订单已于 {delivered_at} 发货。卡密在订单页的「查看卡密」里，人工发货的内容在订单详情的发货说明里。你找到了吗？",
            'The records show the order was delivered at {delivered_at}. Card keys are under "Reveal key" on the '
            "order page; a manual delivery's content is in the order's delivery note. Did you find it?",
            ("找到了", "Found it", "solved"),
            ("没有", "No", "case"),
        ),
        article(
            "article",
            "top-up-not-credited",
            "这篇文章说明如何查询直充是否到账。",
            "This article shows how to check whether a top-up arrived.",
        ),
        solved("solved", "已经收到，问题解决了。", "Received: solved."),
        case(),
        WAIT_TOPUP,
        WAIT_MANUAL,
        TOPUP_FAILED,
    ]


def _late_delivery() -> list[dict]:
    return [
        fact(
            "late",
            "delivered_late",
            "系统核对：发货是否晚于承诺时间？",
            "Platform check: did (or does) the delivery come later than promised?",
            "case_late",
            "within",
        ),
        fact(
            "within",
            "topup_within_promise",
            "系统核对：直充是否还在供货商承诺的到账时间内？",
            "Platform check: is a top-up still inside the supplier's promised time?",
            "wait_topup",
            "manual",
        ),
        fact(
            "manual",
            "manual_within_promise",
            "系统核对：人工发货是否还在商家承诺的时间内？",
            "Platform check: is a manual delivery still inside the shop's promised time?",
            "wait_manual",
            "still",
        ),
        q(
            "still",
            "平台记录里发货没有超出承诺的时间。你仍然认为发货太晚吗？",
            "The records show no delivery later than promised. Do you still think it came too late?",
            ("是，我要申请售后", "Yes, I want to open a case", "case"),
            ("不用了", "No, it's fine", "solved"),
        ),
        solved("solved", "好的，问题已解决。", "Fine: solved."),
        case(
            "case_late",
            "平台记录显示实际发货比承诺晚了 {late_minutes} 分钟。你可以申请售后，要求补偿。",
            "The records show the delivery came {late_minutes} minutes later than promised. You may open a case and "
            "ask for compensation.",
        ),
        case(),
        WAIT_TOPUP,
        WAIT_MANUAL,
    ]


def _charged_twice() -> list[dict]:
    return [
        fact(
            "dup",
            "duplicate_payment",
            "系统核对：这笔订单是否收到了不止一笔付款？",
            "Platform check: was more than one payment captured for this order?",
            "returned",
            "bank",
        ),
        fact(
            "returned",
            "duplicate_returned",
            "系统核对：重复的付款是否已经退回钱包？",
            "Platform check: was the duplicate already returned to the wallet?",
            "solved_returned",
            "case",
        ),
        q(
            "bank",
            "平台只记录到一笔付款。银行或支付机构有时会先冻结一笔（预授权），1–3 个工作日内自动解冻。你的账单上两笔都显示「已扣款」吗？",
            "The platform recorded a single payment. Banks sometimes hold an amount first (pre-authorisation) and "
            'release it within 1–3 working days. Do both show as "charged" on your statement?',
            ("两笔都已扣款", "Both are charged", "case"),
            ("有一笔是冻结或处理中", "One is held or pending", "solved_hold"),
        ),
        solved(
            "solved_returned",
            "重复付款的 {duplicate_returned} 已在扣款时自动退回你的平台钱包，请到钱包查看。",
            "The duplicate payment, {duplicate_returned}, went back to your wallet when it was captured. Look in "
            "your wallet.",
        ),
        solved(
            "solved_hold",
            "冻结的那笔不是扣款，会由银行自动解冻。超过 3 个工作日仍未解冻，请联系银行。",
            "The held amount is not a charge; the bank releases it by itself. If it is still held after 3 working "
            "days, ask your bank.",
        ),
        case(),
    ]


def _partly_delivered() -> list[dict]:
    return [
        fact(
            "partly",
            "partly_delivered",
            "系统核对：订单是否只有部分批次已发货？",
            "Platform check: are only some batches of the order delivered?",
            "batches",
            "delivered",
        ),
        q(
            "batches",
            "大额订单会分批发货：下一批在上一批确认收货后才会发放。你已经确认收到上一批了吗？",
            "Large orders are delivered in batches: the next batch comes once you confirm the previous one. Have "
            "you confirmed the batch you received?",
            ("还没确认", "Not yet", "solved_confirm"),
            ("已确认，仍缺货", "Yes, and some is still missing", "case"),
        ),
        fact(
            "delivered",
            "delivered",
            "系统核对：平台是否记录了全部发货？",
            "Platform check: did the platform record the whole delivery?",
            "count",
            "case",
        ),
        q(
            "count",
            "平台记录显示全部 {quantity} 件都已发货。你核对过订单页里的每一张卡密或发货内容吗？",
            "The records show all {quantity} items delivered. Have you checked every key or delivery note on the "
            "order page?",
            ("核对了，确实少了", "Yes, some are missing", "case"),
            ("找到了", "Found them", "solved"),
        ),
        solved(
            "solved_confirm",
            "请先在订单 #{order_id} 的页面确认已收到的那一批，下一批会随后发放。",
            "Confirm the batch you received on order #{order_id}; the next batch follows.",
        ),
        solved("solved", "全部收到了，问题解决了。", "All received: solved."),
        case(),
    ]


def _system_fault() -> list[dict]:
    return [
        q(
            "what",
            "你遇到的是哪种问题？",
            "What went wrong?",
            ("页面报错或打不开", "A page shows an error or does not load", "retry"),
            ("订单状态不对", "The order's status looks wrong", "delivered"),
            ("其他", "Something else", "case"),
        ),
        q(
            "retry",
            "请刷新页面、换一个浏览器，或稍等几分钟再试。问题还在吗？",
            "Reload the page, try another browser, or wait a few minutes. Is the problem still there?",
            ("还在", "Yes", "case"),
            ("好了", "No, it works", "solved"),
        ),
        fact(
            "delivered",
            "delivered",
            "系统核对：平台是否记录了发货？",
            "Platform check: did the platform record the delivery?",
            "status",
            "case",
        ),
        solved(
            "status",
            "平台记录显示订单已于 {delivered_at} 发货。请刷新订单 #{order_id} 的页面查看。",
            "The records show the order was delivered at {delivered_at}. Reload order #{order_id} to see it.",
        ),
        solved("solved", "好的，问题解决了。", "Fine: solved."),
        case(),
    ]


def _no_response() -> list[dict]:
    return [
        fact(
            "unreachable",
            "merchant_unreachable",
            "系统核对：商家是否已超过规则规定的天数没有任何活动？",
            "Platform check: has the merchant shown no activity for longer than the rulebook allows?",
            "case_unreachable",
            "channel",
        ),
        q(
            "channel",
            "你是在平台上联系商家的吗？站外（QQ、微信）的聊天平台看不到，也不算数。",
            "Did you contact the merchant on the platform? Chats elsewhere (QQ, WeChat) are not seen by the "
            "platform and do not count.",
            ("是，在平台上联系的", "Yes, on the platform", "wait"),
            ("只在站外联系过", "Only elsewhere", "case_platform"),
        ),
        q(
            "wait",
            "商家最近一次活动是 {merchant_last_seen}。申请售后后，商家必须在规定时限内答复，超时可以请平台介入。要申请吗？",
            "The merchant was last active at {merchant_last_seen}. Once you open a case the merchant must answer "
            "within the rulebook's time, or you may ask the platform in. Open one?",
            ("申请售后", "Open a case", "case"),
            ("再等等", "I'll wait a little", "solved_wait"),
        ),
        solved(
            "solved_wait",
            "好的。如果一直没有答复，随时回到订单页申请售后。",
            "Fine. If no answer comes, open a case from the order page at any time.",
        ),
        case(
            "case_unreachable",
            "商家最近一次活动是 {merchant_last_seen}，已超过规则规定的期限。申请售后后，你可以提前请求平台介入。",
            "The merchant was last active at {merchant_last_seen}, longer ago than the rulebook allows. After "
            "opening a case you may ask the platform in early.",
        ),
        case(
            "case_platform",
            "请在平台上申请售后：商家必须在规定时限内答复，超时平台会介入。",
            "Open a case on the platform: the merchant must answer in time, or the platform steps in.",
        ),
        case(),
    ]


def _too_slow() -> list[dict]:
    return [
        fact(
            "within",
            "topup_within_promise",
            "系统核对：直充是否还在供货商承诺的到账时间内？",
            "Platform check: is a top-up still inside the supplier's promised time?",
            "wait_topup",
            "manual",
        ),
        fact(
            "manual",
            "manual_within_promise",
            "系统核对：人工发货是否还在商家承诺的时间内？",
            "Platform check: is a manual delivery still inside the shop's promised time?",
            "wait_manual",
            "late",
        ),
        fact(
            "late",
            "delivered_late",
            "系统核对：发货是否晚于承诺时间？",
            "Platform check: was the delivery later than promised?",
            "case_late",
            "still",
        ),
        q(
            "still",
            "商家的处理还是太慢吗？售后单里商家的每一步都有时限，超时会被记录并可请平台介入。",
            "Is the merchant still too slow? In a case every step of the merchant has a deadline; missing it is "
            "recorded and lets you ask the platform in.",
            ("是，申请售后", "Yes, open a case", "case"),
            ("不用了", "No", "solved"),
        ),
        solved("solved", "好的，问题解决了。", "Fine: solved."),
        case(
            "case_late",
            "平台记录显示发货比承诺晚了 {late_minutes} 分钟。请申请售后。",
            "The records show the delivery came {late_minutes} minutes late. Please open a case.",
        ),
        case(),
        WAIT_TOPUP,
        WAIT_MANUAL,
    ]


def _shirking() -> list[dict]:
    return [
        q(
            "claim",
            "商家客服是怎么说的？",
            "What did the shop's support tell you?",
            ("说是上游供货商的问题", "That the upstream supplier is to blame", "failed"),
            ("说是我操作有误，但我没有", "That I did it wrong, but I did not", "case"),
            ("让我去找游戏官方或运营商", "To ask the game or the carrier", "case_supplier"),
        ),
        fact(
            "failed",
            "topup_failed",
            "系统核对：供货商是否报告了直充失败？",
            "Platform check: did the supplier report a top-up as failed?",
            "topup_failed",
            "case_supplier",
        ),
        case(
            "case_supplier",
            "按平台规则，商家对自己的商品和上游供货商向你负责，不能以此推诿。请申请售后。",
            "Under the rulebook the shop answers to you for its product and its upstream supplier; it may not pass "
            "you on. Please open a case.",
        ),
        case(),
        TOPUP_FAILED,
    ]


# Ends that ask the buyer to wait or to do something first. They are questions, not "solved": the
# buyer says whether that settles it, and only then does the run count as solved by self-check
# (seen in review: a never-revealed key counted as solved before the buyer had read a word).
ADVICE = {"wait_topup", "wait_manual", "reveal_first", "topup_failed"}


def _confirmed(steps: list[dict]) -> list[dict]:
    out, ids = [], {s["id"] for s in steps}
    extra: list[dict] = []
    for step in steps:
        if step["id"] in ADVICE and step["kind"] == "solved":
            sid = step["id"]
            step = q(
                sid,
                step["text_zh"],
                step["text_en"],
                ("好的，我先这样做", "OK, I will do that", f"{sid}_ok"),
                ("我还是要申请售后", "I still want to open a case", "case"),
            )
            extra.append(
                solved(
                    f"{sid}_ok",
                    "好的。到时仍有问题，随时回到订单页申请售后。",
                    "Fine. If it is still a problem then, come back to the order and open a case.",
                )
            )
        out.append(step)
    if extra and "case" not in ids:
        extra.append(case())
    return out + extra


def _key_orders_only(steps: list[dict], *, otherwise: str | None = None) -> list[dict]:
    """A key problem on an order that has no card key (直充, 人工发货): the platform says so first,
    instead of answering "was this key never revealed? — no" about a key that does not exist.
    ``otherwise`` continues there for such orders; without it, the buyer is told and may still open a case."""
    start = steps[0]["id"]
    head = fact(
        "card_key_order",
        "is_card_key",
        "系统核对：这笔订单是卡密发货的吗？",
        "Platform check: is this order delivered as card keys?",
        start,
        otherwise or "not_key_order",
    )
    tail = []
    if otherwise is None:
        tail.append(
            case(
                "not_key_order",
                "平台记录显示这笔订单不是卡密发货（直充或人工发货），没有卡密。请返回上一步选择更贴切的问题类型"
                "（例如“未到账”“延迟到账”“少发”）；如果仍要按现在的类型申请，也可以直接申请售后。",
                "The platform's records show this order is not delivered as card keys (a direct top-up or a manual "
                'delivery): there is no key. Go back and choose a closer problem type (such as "Not delivered", '
                '"Delivered late" or "Partly delivered"); or open a case with this type anyway.',
            )
        )
    return [head, *steps, *tail]


DEFAULT_WIZARDS: dict[str, list[dict]] = {
    "invalid_key": _key_orders_only(_invalid_key()),
    "key_already_used": _key_orders_only(_key_already_used()),
    "face_value_mismatch": _face_value_mismatch(),
    "wrong_region": _wrong_region(),
    "activation_failed": _key_orders_only(_activation_failed(), otherwise="account"),
    "not_delivered": _not_delivered(),
    "late_delivery": _late_delivery(),
    "charged_twice": _charged_twice(),
    "partly_delivered": _partly_delivered(),
    "system_fault": _system_fault(),
    "no_response": _no_response(),
    "too_slow": _too_slow(),
    "shirking": _shirking(),
}
DEFAULT_WIZARDS = {subtype: _confirmed(steps) for subtype, steps in DEFAULT_WIZARDS.items()}

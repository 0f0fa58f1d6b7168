# ruff: noqa: E501  (article prose, stored as written)
"""Starter articles for the subtypes the first five did not cover (see defaults.py)."""

from __future__ import annotations

SUBTYPE_ARTICLES: list[dict] = [
    {
        "slug": "face-value-mismatch",
        "subtypes": ["face_value_mismatch"],
        "categories": ["game_card", "phone_topup", "membership"],
        "position": 0,
        "title_zh": "到账面值与商品不符怎么办",
        "title_en": "The face value is not what the listing said",
        "body_zh": """\
到账的点券、话费或会员时长比商品页写的少，或卡密面值不对时，请先按下面的步骤核对。

## 自查步骤

1. **对照商品页的面值**。打开订单页，点商品名称回到商品页，看清写的是“面值”还是“售价”，以及是否写明了“到账 xx 点券”。
2. **算上赠送和折算**。部分游戏把人民币按比例折算成点券，活动赠送的部分可能分开到账或延后到账。请以游戏内的充值记录为准。
3. **查看完整的充值记录**。在游戏、运营商或会员平台查看这笔充值的明细：到账金额、时间、订单号。
4. **截图留证**。截下充值明细，画面中要有金额和时间。

## 申请售后

面值确实与商品页不符的，由商家负责，您可以要求更换或退款（规则 5.3）。请在订单页申请售后，问题类型选“面值不符”，写明商品页写的面值和实际到账的面值，附上充值明细截图。平台会自动附上发货和卡密查看记录。""",
        "body_en": """\
If fewer points, less phone credit or a shorter membership arrived than the listing said, or the card's face value is wrong, check these steps first.

## Check step by step

1. **Compare with the listing.** Open the order and follow the product name to the listing. Is the number the "face value" or the "price", and does it say how many points arrive?
2. **Count bonuses and conversion.** Some games convert yuan to points at a rate, and promotional bonuses may arrive separately or later. The game's own top-up record counts.
3. **Look at the full top-up record** in the game, the carrier's app or the membership page: amount credited, time, reference.
4. **Take a screenshot** of that record showing the amount and the time.

## Open a case

If the face value really differs from the listing, the merchant is responsible and you may ask for a replacement or a refund (rule 5.3). Open a case from the order page, choose "Face value differs", give the face value on the listing and the amount that arrived, and attach the screenshot. The platform adds the delivery and key-reveal records by itself.""",
    },
    {
        "slug": "late-delivery",
        "subtypes": ["late_delivery"],
        "categories": ["phone_topup", "game_card", "membership", "virtual_item"],
        "position": 0,
        "title_zh": "到账比承诺的时间晚怎么办",
        "title_en": "It arrived later than promised",
        "body_zh": """\
货到了，但比商品页承诺的时间晚了很多，也可以申请售后：即使商品本身没问题，商家发货晚于承诺时，客服也可以裁决商家给予合理补偿（规则 5.5）。

## 先确认

1. **承诺时间是多少**。看商品页写的发货或到账时间（例如“10 分钟内到账”）。订单页“商家须在此前发货”一栏显示了这笔订单的期限。
2. **实际到账时间**。以平台记录的发货时间为准；直充还有上游供应商的回执时间。这些都在订单时间线上，不需要您证明。
3. **还没到承诺时间**的，请先等待；还没到账且已超时的，请看《直充未到账如何自查》，问题类型选“未到账/未发货”。

## 申请售后

1. 在订单页申请售后，问题类型选“延迟到账”。
2. 诉求一般选“部分退款”，写明您希望的补偿金额和理由（例如延迟导致活动错过）。
3. 平台会自动附上实际的发货延迟。商家可以同意或提出方案；谈不拢的，可以申请平台介入（见《什么情况下可以申请平台介入》）。""",
        "body_en": """\
The goods arrived, but much later than the listing promised. You may still open a case: when the merchant delivers later than promised, the agent may award you reasonable compensation even if the goods are fine (rule 5.5).

## First check

1. **What was promised.** The listing states the delivery time (for example "credited within 10 minutes"); the order page shows "Merchant must deliver by" for this order.
2. **When it actually arrived.** The platform's delivery record counts, plus the supplier's answer time for a direct top-up. Both are on the order's timeline; you need not prove them.
3. **Still inside the promised time?** Wait. **Not arrived and overdue?** See "A direct top-up has not arrived" and choose "Not delivered".

## Open a case

1. Open a case from the order page and choose "Delivered late".
2. As the demand, usually choose a partial refund, with the amount you think fair and why (for example, you missed an in-game event).
3. The platform adds the actual delay by itself. The merchant may accept or make an offer; if you cannot agree, ask the platform to step in (see "When can I ask the platform to step in?").""",
    },
    {
        "slug": "charged-twice",
        "subtypes": ["charged_twice"],
        "categories": [],
        "position": 0,
        "title_zh": "被重复扣款怎么办",
        "title_en": "I was charged twice",
        "body_zh": """\
同一订单被扣了两次款，多半是支付时网络卡顿、重复点击或在两个窗口同时付款造成的。

## 平台会自动处理

系统发现同一订单被重复扣款的，**多扣的款项自动退回您的平台钱包**，不需要申请售后，也不受售后期限限制（规则 8.4）。

## 自查步骤

1. **看钱包流水**。打开“钱包”，查看是否已有一笔“重复扣款退回”的入账。
2. **分清两笔订单**。如果您其实下了两个订单（订单号不同），那不是重复扣款：不要的订单请在付款前取消；已付款的，按正常售后处理。
3. **看支付渠道账单**。银行或支付 App 显示扣了两次、但平台钱包只收到一次的，通常是支付渠道的预授权，会由渠道自动撤销；请以渠道的最终账单为准。

## 仍然不对

几小时后钱包里仍没有退回、订单页也只显示一次付款的，请申请售后，问题类型选“重复扣款”，附上两笔扣款的支付凭证截图（时间、金额、交易号）。这类问题由平台负责核查。""",
        "body_en": """\
An order charged twice is usually a slow network, a double click, or paying in two windows at once.

## The platform handles it by itself

When the system finds that an order was charged more than once, **the extra charge goes back to your platform wallet automatically**, without a case and whatever the case window (rule 8.4).

## Check step by step

1. **Look at your wallet.** Open "Wallet" and look for the refund of the duplicate charge.
2. **Two orders, or one?** If you placed two orders (two order numbers), that is not a double charge: cancel the one you do not want before paying; a paid one goes through normal after-sales.
3. **Look at the payment channel's statement.** If your bank or payment app shows two charges but the wallet received one, it is usually a pre-authorisation the channel releases by itself; its final statement counts.

## Still wrong

If after a few hours nothing came back to the wallet and the order shows one payment, open a case, choose "Charged twice", and attach the payment receipts of both charges (time, amount, transaction number). The platform checks this kind of problem itself.""",
    },
    {
        "slug": "partly-delivered",
        "subtypes": ["partly_delivered"],
        "categories": ["game_card", "phone_topup", "membership", "virtual_item"],
        "position": 0,
        "title_zh": "只收到一部分怎么办",
        "title_en": "Only part of the order arrived",
        "body_zh": """\
买了多张卡密或多份直充，只收到了一部分时，请先看是不是分批到账。

## 自查步骤

1. **看“发货”表格**。订单页的“发货”部分列出每一批的数量、金额和状态。金额较大的订单（默认超过 ¥500.00）会**分批到账**：上一批确认收货或自动确认后，才发下一批（规则 8.8）。
2. **确认已到的那一批**。核对无误就点“确认收货”，下一批会随后发出；有问题不要确认，直接申请售后。
3. **数一数卡密**。订单页“卡密”部分列出了已发给您的每一张卡密。
4. **直充看回执**。直充部分失败的，失败的部分会按上游回执自动退款，订单页会显示“已退款”金额。

## 申请售后

确实少发的，您有权就未交付的部分获得退款；您同意的话，商家也可以补发（规则 5.2）。在订单页申请售后，问题类型选“少发/部分到账”，写明应收和实收的数量。售后期间这部分款项冻结，不会结算给商家（规则 2.3）。""",
        "body_en": """\
You bought several keys or top-ups and only some arrived. First check whether the order is delivered in batches.

## Check step by step

1. **Look at the "Delivery" table.** The order page lists each batch with its quantity, amount and state. A large order (by default above ¥500.00) is **delivered in batches**: the next batch comes once the previous one is confirmed or auto-confirmed (rule 8.8).
2. **Confirm the batch you have.** If it is fine, press "Confirm receipt" and the next batch follows; if not, do not confirm: open a case.
3. **Count the keys.** The "Card keys" part of the order page lists every key delivered to you.
4. **For a direct top-up, look at the answer.** A part the supplier reported as failed is refunded by itself, and the order shows the refunded amount.

## Open a case

If fewer units were delivered than you paid for, you are entitled to a refund of the missing part; if you agree, the merchant may deliver it instead (rule 5.2). Open a case from the order page, choose "Partly delivered", and say how many you should have and how many you got. While the case is open that part of the money is frozen and not settled to the merchant (rule 2.3).""",
    },
    {
        "slug": "system-fault",
        "subtypes": ["system_fault"],
        "categories": [],
        "position": 0,
        "title_zh": "页面报错或系统故障怎么办",
        "title_en": "The site showed an error or something broke",
        "body_zh": """\
付款后订单状态不变、页面报错、卡密显示不出来等，可能是平台系统故障。这类问题通常由平台负责。

## 自查步骤

1. **刷新并重新登录**。很多显示问题刷新页面或重新登录后就会恢复。
2. **换个浏览器或网络**。关闭广告拦截插件，或换用手机流量再试。
3. **不要重复付款**。订单显示“待付款”但钱已扣的，先不要再付一次：等几分钟再刷新，重复扣款会自动退回（规则 8.4）。
4. **截图**。截下错误页面，画面中要有时间和地址栏。

## 申请售后

问题仍在的，在订单页申请售后，问题类型选“系统故障”，写明您做了什么操作、看到了什么提示，附上截图。平台会核对自己的记录（付款、发货、上游回执），确认是平台原因的，由平台负责处理。""",
        "body_en": """\
The order did not move after payment, a page showed an error, a key will not display: this may be a fault on the platform's side, which the platform is usually responsible for.

## Check step by step

1. **Reload and log in again.** Many display problems go away after a reload or a new login.
2. **Try another browser or network.** Switch off ad blockers, or try on mobile data.
3. **Do not pay twice.** If the order still says "awaiting payment" but the money left your account, do not pay again: wait a few minutes and reload; a duplicate charge is refunded by itself (rule 8.4).
4. **Take a screenshot** of the error with the time and the address bar visible.

## Open a case

If the problem stays, open a case from the order page, choose "System fault", say what you did and what you saw, and attach the screenshot. The platform checks its own records (payment, delivery, the supplier's answers); where the platform is at fault, the platform puts it right.""",
    },
    {
        "slug": "merchant-not-answering",
        "subtypes": ["no_response"],
        "categories": [],
        "position": 0,
        "title_zh": "商家不回复怎么办",
        "title_en": "The merchant does not answer",
        "body_zh": """\
您不需要一直催商家：售后单的每一步都有期限，商家不答复，售后单会自动往下走。数字为默认值，以现行[售后规则](/rules/)为准。

## 已经申请了售后

1. **看售后单上的期限**。商家须在售后单开启后 **24 小时**内答复（规则 3.1），期限显示在售后单上；到期前 4 小时平台会提醒商家。
2. **到期仍不答复，自动转平台介入**。不用您申请，售后单会自动进入平台介入，并记为店铺的一次超时（规则 3.6）。
3. **店铺 3 天没有任何操作**，或已被冻结、封禁的，属于“商家无法联系”，您可以**直接申请平台介入**（规则 4.2），小额订单还可能直接极速退款（规则 8.3）。

## 还没有申请售后

店铺页的消息商家可能不会及时看到。请直接在订单页申请售后，问题类型选“商家不回复”：这样商家的答复期限才开始计算，沟通记录也会作为证据保存。

## 补偿

商家无响应的，即使商品本身没有问题，客服也可以裁决商家给予补偿并附加处罚（规则 5.5、4.5）。""",
        "body_en": """\
You do not have to keep chasing the merchant: every step of a case has a deadline, and when the merchant is silent the case moves on by itself. The numbers are defaults; the [rulebook in force](/rules/) counts.

## You have opened a case

1. **See the deadline on the case.** The merchant must answer within **24 hours** of the case opening (rule 3.1); the deadline is shown on the case, and the merchant is reminded 4 hours before it.
2. **No answer by then: the platform steps in automatically.** You need not ask; it also counts as an SLA breach against the shop (rule 3.6).
3. **No shop activity for 3 days**, or the shop is frozen or banned: the merchant is "unreachable" and you may **ask the platform to step in at once** (rule 4.2); a small order may even get a fast refund straight away (rule 8.3).

## You have not opened a case yet

A message on the shop page may go unread. Open a case from the order page and choose "No answer from the merchant": only then does the merchant's clock start, and the conversation is kept as evidence.

## Compensation

When the merchant does not answer, the agent may award you compensation and add a penalty even if the goods are fine (rules 5.5, 4.5).""",
    },
    {
        "slug": "handling-too-slow",
        "subtypes": ["too_slow"],
        "categories": [],
        "position": 0,
        "title_zh": "售后处理太慢怎么办",
        "title_en": "After-sales handling takes too long",
        "body_zh": """\
售后单的每一步都有公开的期限，任何一方都不能无限拖延。默认期限如下（以现行[售后规则](/rules/)为准）：

| 步骤 | 期限 | 规则 |
|---|---|---|
| 商家答复 | 24 小时 | 3.1 |
| 您回复商家的提问或方案 | 48 小时 | 3.3、3.5 |
| 平台介入后的举证期 | 24 小时 | 4.3 |
| 客服裁决 | 举证期满后 48 小时 | 4.4 |
| 申诉 | 裁决后 72 小时内 | 6.1 |

## 您可以做的

1. **看售后单上的倒计时**。“期限”一栏显示当前一步谁来处理、什么时候到期。
2. **商家反复要求补充信息拖延时间**：商家提问时它的期限只是暂停，您答复后按剩余时间继续计算（规则 3.5）。请尽快答复，并在答复中说明已提供的信息。
3. **商家拖着不给结果**：商家拒绝、您拒绝了商家的方案，或商家期限已过，您都可以申请平台介入（规则 4.1）。
4. **已在平台介入中**：客服须在期限内裁决，请在举证期内把证据一次交齐（见《如何留存证据》）。

处理周期过长的，客服也可以裁决商家给予补偿（规则 5.5）。""",
        "body_en": """\
Every step of a case has a published deadline; nobody can drag it out for ever. The default deadlines (the [rulebook in force](/rules/) counts):

| Step | Deadline | Rule |
|---|---|---|
| The merchant answers | 24 hours | 3.1 |
| You answer the merchant's question or offer | 48 hours | 3.3, 3.5 |
| Evidence window once the platform steps in | 24 hours | 4.3 |
| The agent rules | 48 hours after the evidence window | 4.4 |
| Appeal | within 72 hours of the ruling | 6.1 |

## What you can do

1. **Watch the countdown on the case.** "Deadline" shows who must act now, and by when.
2. **The merchant keeps asking for more information?** Their clock only pauses while a question is open and resumes with the time left once you answer (rule 3.5). Answer quickly and point to what you have already given.
3. **The merchant will not settle it?** When the merchant refused, you declined their offer, or their deadline passed, ask the platform to step in (rule 4.1).
4. **The platform is already involved?** The agent must rule in time; hand in all your evidence within the window (see "How to preserve evidence").

When handling drags on, the agent may also award you compensation (rule 5.5).""",
    },
    {
        "slug": "support-passes-the-buck",
        "subtypes": ["shirking"],
        "categories": [],
        "position": 0,
        "title_zh": "客服推诿怎么办",
        "title_en": "Support keeps passing the buck",
        "body_zh": """\
商家说“找上游”“找游戏官方”“不是我们的问题”，却不给证据，这就是推诿。按规则，这样的答复不算数。

## 您需要知道的

1. **拒绝必须有理由和证据**。商家拒绝的，必须写明理由并提供证据，例如卡密发货前未被使用的记录、上游充值成功的凭证、您下单时填错信息的记录。没有理由或证据的拒绝，平台介入后不予采信（规则 3.4）。
2. **上游是商家的事**。您是向商家买的，上游供应商出问题由商家和上游处理，不需要您去找上游。
3. **事实以系统记录为准**（规则 1.2）。发货时间、卡密查看记录、上游回执，平台都有。

## 您可以做的

1. **在售后单里沟通**，不要转到站外，这样每一句话都会存证。
2. **请商家给出证据**：直接回复“请提供充值成功凭证或卡密未被使用的记录”。
3. **申请平台介入**：商家拒绝后就可以申请（规则 4.1），问题类型选“客服推诿”或原来的问题类型。
4. 推诿的，客服可以裁决商家补偿，并附加处罚（规则 5.5、4.5）。""",
        "body_en": """\
"Ask the supplier", "ask the game company", "not our problem", with no evidence: that is passing the buck, and under the rules such an answer does not count.

## What you should know

1. **A refusal needs reasons and evidence.** A merchant who refuses must say why and show it: a record that the key was unused before delivery, the supplier's proof of a successful top-up, a record that you entered wrong details. A refusal without reasons or evidence carries no weight once the platform steps in (rule 3.4).
2. **The supplier is the merchant's business.** You bought from the merchant; a problem upstream is for the merchant and the supplier to sort out, not you.
3. **The system records decide the facts** (rule 1.2): delivery times, key reveals, supplier answers are all on record.

## What you can do

1. **Talk inside the case**, not elsewhere, so every word is kept as evidence.
2. **Ask for the evidence**: reply "please show the proof of a successful top-up, or the record that the key was unused".
3. **Ask the platform to step in** once the merchant has refused (rule 4.1), choosing "Support passes the buck" or the original problem type.
4. For passing the buck the agent may award compensation and add a penalty (rules 5.5, 4.5).""",
    },
]

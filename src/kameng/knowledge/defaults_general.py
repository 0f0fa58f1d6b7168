# ruff: noqa: E501  (article prose, stored as written)
"""The four general articles of the starter set (no subtype): evidence, platform intervention,
fast refund and advance compensation, 12315. The numbers are the rulebook's defaults
(rulebook/params.py) with the clause numbers of rulebook/defaults.py; each article says that the
rulebook in force (/rules/) is what counts, since operators may publish other values."""

from __future__ import annotations

GENERAL_ARTICLES: list[dict] = [
    {
        "slug": "how-to-preserve-evidence",
        "subtypes": [],
        "categories": [],
        "position": 0,
        "title_zh": "如何留存证据",
        "title_en": "How to preserve evidence",
        "body_zh": """\
售后处理首先看平台自己的系统记录（规则 1.2），您提交的证据用来补充系统记录说明不了的部分。下面说明平台已经替您记下了什么、您还需要留什么、以及怎样留才有用。

## 平台已经自动记录的

以下事实不需要您证明，平台会自动写入售后单的“系统事实”：

- 付款时间和金额；
- 每一批的发货时间、直充的上游供应商回执（成功、失败或未答复）；
- 卡密**每一次被查看**的时间、IP 地址和浏览器（所以请只在自己的设备上查看卡密）；
- 同一张卡密是否被其他买家报告过；
- 售后对话里的每条消息和每个附件。

这些记录都写在订单和售后单的时间线上，每条记录带哈希链，定期汇总成 Merkle 根并加盖时间戳（存证），任何一方（包括平台自己）事后修改都会被发现。

## 您需要自己留的

1. **错误提示截图**：截下充值页面或游戏里的原始错误提示，截图中要能看到**完整的提示文字**和**时间**（手机状态栏的时间或系统时钟）。
2. **账号信息截图**：直充或区服问题，截下游戏内角色所在的区服、账号 ID，或话费、会员余额页面。
3. **录屏**（最有说服力）：从打开订单页点“查看”卡密开始，到粘贴进充值页面、出现错误提示为止，一次录完，不要剪辑。
4. **与商家的沟通**：请在售后单里和商家沟通。在站外（QQ、微信）的聊天平台看不到，如有需要请截图上传。

## 怎样上传

1. 打开售后单，在“对话与证据”里发送消息并附上文件，或打开“证据与存证”页面上传。
2. 默认规则下：单个文件不超过 5 MB，视频不超过 20 MB，每条消息最多 4 个附件（规则 2.4）。平台按文件内容判断类型，改了扩展名的文件会被拒收。
3. 上传后文件的 SHA-256 哈希记入时间线，文件**不能删除或修改**，只能由上传者标记为“撤回”。所以请不要上传含有他人隐私的图片。
4. 平台介入后有举证期（默认 24 小时，规则 4.3），期满后提交的材料客服可以不予采纳，请尽早上传。

## 导出证据

售后单的“证据与存证”页面可以下载**证据包（ZIP）**：包含时间线、全部证据文件、存证封印及其时间戳，附有用 `sha256sum`、`openssl` 或 `kameng evidence verify` 离线核对的说明。终局裁决后还可以下载 12315 投诉材料和法院证据目录（PDF）。

具体数字以现行[售后规则](/rules/)为准。""",
        "body_en": """\
A case is decided on the platform's own records first (rule 1.2); your evidence fills in what those records cannot show. This article says what the platform has already recorded for you, what you should keep yourself, and how to keep it so that it counts.

## What the platform records by itself

You do not have to prove these; they are added to the case's "System facts" automatically:

- when you paid, and how much;
- when each batch was delivered, and the upstream supplier's answer for a direct top-up (succeeded, failed, no answer);
- **every time a card key was shown**: the time, the IP address and the browser (so only show keys on your own device);
- whether other buyers reported the same key;
- every message and attachment in the case conversation.

All of this is on the order's and the case's timeline, hash-chained; the chain heads are regularly sealed in a Merkle root with a timestamp (存证), so any later change, by anyone including the platform, would show.

## What you should keep yourself

1. **A screenshot of the error**: the original message on the top-up page or in the game, with the **full text** and the **time** visible (the phone's status bar or the system clock).
2. **A screenshot of your account**: for a top-up or region problem, your character's server and account ID, or the phone-credit or membership page.
3. **A screen recording** (the strongest evidence): from pressing "Show" on the order page, through pasting the key on the top-up page, to the error, in one take without cuts.
4. **What the merchant said**: talk to the merchant inside the case. The platform cannot see chats elsewhere (QQ, WeChat); if they matter, upload screenshots.

## How to upload

1. Open the case and send a message with the files in "Conversation and evidence", or upload on the "Evidence and preservation" page.
2. Under the default rules a file may be at most 5 MB, a video at most 20 MB, and a message carries at most 4 attachments (rule 2.4). The platform checks the file's content, so a renamed file is refused.
3. Each upload's SHA-256 hash goes on the timeline; a file **cannot be deleted or changed**, only marked withdrawn by whoever uploaded it. Do not upload pictures with other people's private data.
4. Once the platform steps in there is an evidence window (24 hours by default, rule 4.3); the agent may disregard material sent after it, so upload early.

## Exporting the evidence

The case's "Evidence and preservation" page offers the **evidence bundle (ZIP)**: the timelines, every evidence file, the seals and their timestamps, with a README on checking them offline with `sha256sum`, `openssl` or `kameng evidence verify`. After a final ruling you can also download the 12315 complaint package and the court evidence list (PDF).

The numbers that apply are those of the [rulebook in force](/rules/).""",
    },
    {
        "slug": "when-to-ask-for-platform-intervention",
        "subtypes": [],
        "categories": [],
        "position": 1,
        "title_zh": "什么情况下可以申请平台介入",
        "title_en": "When can I ask the platform to step in?",
        "body_zh": """\
售后单先由商家处理；商家处理不了或不处理时，由平台介入裁决。下面的数字是规则的默认值，以现行[售后规则](/rules/)为准。

## 商家处理阶段

1. 售后单开启后，商家须在 **24 小时**内答复：同意您的诉求、提出其他方案，或拒绝并说明理由（规则 3.1）。
2. 商家可以请您补充信息（截图、区服等）。这时商家的期限暂停，您须在 **48 小时**内答复（规则 3.5）；逾期不答复，售后单按有利于商家的结果结案（规则 7.1），结案后 72 小时内可以重新打开一次。
3. 商家提出方案（如部分退款）的，您须在 **48 小时**内接受或拒绝（规则 3.3）。
4. 期限届满前 4 小时，平台会提醒应当处理的一方（规则 1.3）。

## 可以申请平台介入的情形（规则 4.1）

在售后单页点“申请平台介入”，以下情形可以申请：

1. **商家拒绝**了您的诉求；
2. 您**拒绝了商家的方案**；
3. **商家的答复期限已过**。此时不用您申请，售后单会**自动**转入平台介入，并记为店铺的一次超时（规则 3.6）。

商家处理阶段还没结束时申请，属于**越级申请，会被拒绝**。只有两种例外可以提前申请（规则 4.2）：

- **商家无法联系**：店铺连续 **3 天**没有任何操作，或店铺已被冻结、封禁；
- 售后单符合**极速退款**的条件（规则 8.3，见《极速退款与先行赔付是什么》）。

## 平台介入之后

1. **举证期**：双方在 **24 小时**内提交证据和说明（规则 4.3）。一方未举证的，客服依据系统记录和另一方的证据裁决。
2. **裁决**：举证期满后由客服在 **48 小时**内裁决：全额退款、部分退款、更换卡密或驳回，裁决必须写明理由并引用规则条款（规则 4.4）。
3. **申诉**：对裁决不服的，双方各可在 **72 小时**内申诉**一次**，由**未参与原裁决的另一名客服**处理，申诉决定为终局裁决（规则 6.1）。
4. 终局裁决前您可以随时撤销售后单，但同一问题不能再次发起（规则 7.2）。
5. 终局裁决后仍不满意的，可以向 12315 投诉或起诉（规则 9.1），见《如何向12315投诉》。""",
        "body_en": """\
The merchant handles a case first; when the merchant cannot or will not, the platform steps in and rules. The numbers below are the rulebook's defaults; the [rulebook in force](/rules/) is what counts.

## The merchant stage

1. Once a case opens, the merchant has **24 hours** to answer: accept your demand, make an offer, or refuse with reasons (rule 3.1).
2. The merchant may ask you for information (a screenshot, your server). Their clock then pauses and you have **48 hours** to answer (rule 3.5); without an answer the case closes in the merchant's favour (rule 7.1), and you may reopen it once within 72 hours.
3. If the merchant makes an offer (say, a partial refund), you accept or decline it within **48 hours** (rule 3.3).
4. The party who must act is reminded 4 hours before a deadline (rule 1.3).

## When you may ask the platform to step in (rule 4.1)

Press "Ask the platform to step in" on the case page when:

1. the merchant **refused** your demand;
2. you **declined the merchant's offer**;
3. the **merchant's deadline passed**. You need not ask: the case goes to platform intervention **automatically**, and it counts as an SLA breach against the shop (rule 3.6).

Asking while the merchant stage is still running is **out of order and refused**. There are two exceptions in which you may ask at once (rule 4.2):

- the **merchant is unreachable**: the shop has shown no activity for **3 days**, or it is frozen or banned;
- the case qualifies for a **fast refund** (rule 8.3; see "What are fast refunds and advance compensation?").

## After the platform steps in

1. **Evidence window**: both parties have **24 hours** to submit evidence and statements (rule 4.3). If one party submits nothing, the agent rules on the system records and the other party's evidence.
2. **Ruling**: after the window a support agent rules within **48 hours**: full refund, partial refund, replacement key, or the claim rejected, with reasons and the clause it rests on (rule 4.4).
3. **Appeal**: either party may appeal **once**, within **72 hours**; a **different agent** who took no part in the ruling decides, and that decision is final (rule 6.1).
4. Until a final ruling you may withdraw the case at any time, but the same problem cannot be raised again (rule 7.2).
5. Still not satisfied after the final ruling? You may complain to 12315 or go to court (rule 9.1); see "How to complain to 12315".""",
    },
    {
        "slug": "fast-refund-and-advance-compensation",
        "subtypes": [],
        "categories": [],
        "position": 2,
        "title_zh": "极速退款与先行赔付是什么",
        "title_en": "What are fast refunds and advance compensation?",
        "body_zh": """\
您付的钱先进入平台担保，不直接给商家（规则 8.6）。极速退款和先行赔付都是为了让您在事实清楚时尽快拿回钱，即使商家不配合。数字为默认值，以现行[售后规则](/rules/)为准。

## 极速退款（规则 8.3）

同时满足以下三个条件时，平台在您申请售后的**当时就退款**，不用等商家答复：

1. 退款金额不超过 **¥100.00**；
2. 您最近 30 天内获得的极速退款（含本次）不超过 **3 次**；
3. 系统记录能证明以下事实之一：
   - 上游供应商返回**充值失败**；
   - 卡密**从未被查看**过；
   - **商家无法联系**（店铺连续 3 天无操作，或已被冻结、封禁，规则 4.2）。

您不需要单独申请：正常发起售后单，平台会自动判断。退款退入您的平台钱包。

商家可以在退款后 **72 小时**内提出异议，由平台裁决；异议成立的，退款会从您的钱包中追回。所以请如实填写问题。

另外，直充订单上游答复充值失败时，订单本身会自动退款；同一订单**重复扣款**的，多扣的钱自动退回，不需要售后单，也不受售后期限限制（规则 8.4）。

## 退款的钱从哪里来（规则 8.1）

1. 先从这笔订单被冻结的担保资金里退；
2. 已经结算给商家的，从商家可用余额中扣回；
3. 余额不足的，从商家保证金中扣除。

## 先行赔付（规则 8.2）

如果以上三处加起来仍不够退，由**平台保障基金先行赔付**给您，差额记为商家对平台的欠款，从商家以后的结算中扣回；还清之前商家不能提现。也就是说：**裁决给您的退款，不会因为商家没钱而落空**。

## 您需要做什么

1. 在售后期限内（默认发货或充值结果返回后 168 小时内，规则 2.1）发起售后；
2. 如实选择问题类型、写清问题；
3. 关注钱包余额和售后单状态。""",
        "body_en": """\
What you pay is held in the platform's escrow and never goes to the merchant directly (rule 8.6). Fast refunds and advance compensation exist so that you get your money back quickly when the facts are clear, even if the merchant does not cooperate. The numbers are defaults; the [rulebook in force](/rules/) is what counts.

## Fast refund (rule 8.3)

When all three conditions hold, the platform refunds **the moment you open the case**, without waiting for the merchant:

1. the refund is at most **¥100.00**;
2. you have had at most **3** fast refunds in the last 30 days, this one included;
3. the system records establish one of these facts:
   - the upstream supplier reported the **top-up failed**;
   - the card key was **never revealed**;
   - the **merchant is unreachable** (no shop activity for 3 days, or the shop is frozen or banned; rule 4.2).

There is nothing extra to ask for: open the case as usual and the platform checks by itself. The refund goes to your platform wallet.

The merchant may contest the refund within **72 hours** and the platform rules on it; if the contest succeeds the refund is taken back from your wallet. So describe the problem truthfully.

Besides: when the supplier reports a direct top-up failed, the order itself is refunded automatically; and when an order was **charged twice**, the extra charge comes back by itself, without a case and whatever the case window (rule 8.4).

## Where a refund comes from (rule 8.1)

1. the order's frozen escrow first;
2. if the order was already settled, the merchant's available balance;
3. if that is short, the merchant's deposit.

## Advance compensation (先行赔付, rule 8.2)

If all of that is still not enough, the **platform's guarantee fund pays you first**. The difference becomes the merchant's debt to the platform, recovered from later settlements; the merchant cannot withdraw money until it is repaid. In short: **a refund ruled in your favour does not fail because the merchant has no money**.

## What you do

1. Open a case within the case window (by default 168 hours after delivery or the top-up result; rule 2.1).
2. Choose the problem type truthfully and describe the problem.
3. Watch your wallet and the case's state.""",
    },
    {
        "slug": "how-to-complain-to-12315",
        "subtypes": [],
        "categories": [],
        "position": 3,
        "title_zh": "如何向12315投诉",
        "title_en": "How to complain to 12315",
        "body_zh": """\
12315 是全国市场监督管理部门的消费者投诉举报平台（网站 www.12315.cn、12315 热线、“全国12315平台”小程序）。对 Kameng 的终局裁决仍不满意时，您可以向 12315 投诉，也可以向人民法院起诉（规则 9.1）。平台的裁决不影响您依法享有的权利。

## 什么时候可以

1. 售后单已有**终局裁决**：申诉期（默认 72 小时）届满无人申诉，或申诉已有决定（规则 4.4、6.1）。
2. 还没走完平台流程的，建议先申请平台介入和申诉（见《什么情况下可以申请平台介入》），通常更快。

## 第一步：在 Kameng 记录外部维权并下载材料

1. 打开售后单，在“您可以做的”里选择“外部维权（12315 / 诉讼）”，渠道选“12315”，提交。
2. 打开售后单的“证据与存证”页面，下载 **12315 投诉材料（PDF）**。这份材料由平台根据存证记录生成，固定为中文，包括：
   - 投诉人（您的平台用户名；电话、身份证号、地址由您自己填写，平台不保存这些信息）；
   - 被投诉方（店铺名称、店铺 ID、店主）；
   - 交易信息（订单号、商品、金额、时间）；
   - 经过（时间线摘要）、商家的答复、平台的答复和裁决；
   - 您的诉求和陈述；
   - 证据目录（每份证据的哈希值和时间戳）。
3. 如需全部原始文件，同一页面还可以下载**证据包（ZIP）**，以及用于起诉的**法院证据目录（PDF）**。

## 第二步：在 12315 提交投诉

1. 登录 12315 平台，选择“我要投诉”。
2. 按提示填写被投诉的经营者（以投诉材料中的店铺和平台信息为准）和购买地点。
3. 在“投诉内容”中简要写明：买了什么、出了什么问题、平台如何裁决、您的诉求。
4. 上传投诉材料 PDF 和关键证据截图，签字页签字后拍照上传。
5. 提交后记下投诉编号，按 12315 的通知跟进调解。

## 提示

- 材料中的哈希值和时间戳可以证明证据在售后期间没有被改动；有需要时可以用证据包里的说明离线核对。
- 请如实陈述；与系统记录不符的陈述不会被采信（规则 1.2）。""",
        "body_en": """\
12315 is the consumer complaint platform of China's market regulation authorities (website www.12315.cn, the 12315 hotline, the "全国12315平台" mini-program). If you are still not satisfied after Kameng's final ruling, you may complain to 12315 or go to a people's court (rule 9.1). The platform's ruling does not take away any right you have by law.

## When

1. The case has a **final ruling**: the appeal window (72 hours by default) passed without an appeal, or the appeal was decided (rules 4.4, 6.1).
2. If you have not been through the platform's steps yet, ask for platform intervention and appeal first (see "When can I ask the platform to step in?"); it is usually faster.

## Step 1: record the escalation on Kameng and download the package

1. Open the case and, under "What you can do", choose "External escalation (12315 / court)" with the channel "12315".
2. Open the case's "Evidence and preservation" page and download the **12315 complaint package (PDF)**. The platform builds it from the sealed records, always in Chinese, with:
   - the complainant (your username; your phone, ID number and address you fill in yourself, since the platform does not hold them);
   - the respondent (shop name, shop ID, owner);
   - the transaction (order number, product, amount, time);
   - what happened (abridged timeline), the merchant's answers, the platform's answers and ruling;
   - your demand and statement;
   - the evidence list (each item's hash and timestamp).
3. For every original file, the same page offers the **evidence bundle (ZIP)**, and the **court evidence list (PDF)** if you go to court.

## Step 2: file the complaint with 12315

1. Log in to 12315 and choose "我要投诉" (file a complaint).
2. Enter the business complained about (the shop and platform as named in the package) and where you bought.
3. In the complaint text say briefly what you bought, what went wrong, how the platform ruled and what you ask for.
4. Upload the complaint package PDF and the key screenshots; sign the signature page and upload a photo of it.
5. Note the complaint number and follow 12315's notices through the mediation.

## Tips

- The hashes and timestamps in the package show that the evidence was not changed during the case; the bundle's README explains how to check them offline.
- State the facts truthfully: a statement that contradicts the system records is not believed (rule 1.2).""",
    },
]

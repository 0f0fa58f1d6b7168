# ruff: noqa: E501  (article prose, stored as written)
"""The starter set of the 售后知识库 (``services.install_default_articles``): at least one Markdown
article per problem subtype, in Chinese and English, plus the general articles (defaults_general).

Operators and agents edit them afterwards; installing again never overwrites an existing slug.
Numbers quoted are the rulebook defaults (rulebook/params.py), with their clause numbers.
"""

from __future__ import annotations

from kameng.knowledge.defaults_general import GENERAL_ARTICLES
from kameng.knowledge.defaults_subtypes import SUBTYPE_ARTICLES

_CONVERTED: list[dict] = [
    {
        "slug": "activation-failed-self-check",
        "subtypes": ["activation_failed"],
        "categories": ["game_card", "membership"],
        "position": 0,
        "title_zh": "点卡激活失败如何自查",
        "title_en": "Card will not activate: how to check it yourself",
        "body_zh": """\
点卡或会员卡密激活失败时，多数原因几分钟内就能自己查清。请按下面的顺序检查，再决定是否申请售后。

## 自查步骤

1. **确认充值入口是否正确**。卡密只能在对应游戏或平台的官方充值页面使用（例如 Q 币卡在腾讯充值中心，游戏点卡在该游戏官网或客户端的充值页）。在其它游戏、其它平台或第三方页面使用，常会提示“卡号不存在”或“激活失败”。请对照商品页写明的卡种和使用说明。

2. **核对卡号和密码**。请在订单页点击“查看”后直接复制粘贴，不要手抄：数字 0 和字母 O、数字 1 和字母 l / I 最容易混淆；粘贴时不要带上首尾空格或换行。卡密分卡号和密码两部分的，请分别填入对应的输入框。

3. **检查账号状态**。部分点卡和会员对账号有要求：需要实名认证、账号未被冻结或封禁、账号地区与卡的发行地区一致、同类会员不能叠加、当日充值已达上限等。请登录账号查看有无相关提示。

4. **记下错误提示的原文**。“卡密已被使用”“卡号或密码错误”“该卡不能在此地区使用”分别对应不同的问题类型。请截图或抄下原始提示，申请售后时选对问题类型，处理会快很多。

5. **稍等后再试一次**。充值平台偶尔维护或繁忙，可等 10 到 30 分钟再试。重试前请先确认没有输错：连续输错可能让账号被临时限制充值。

## 仍然不行

以上都确认无误仍无法激活：请在订单页对这张卡密申请售后，问题类型选“激活失败”，写明使用的充值入口、账号类型和错误提示原文。平台记录了这张卡密的发货时间和首次查看时间，也会核对是否有其他买家报告过同一张卡密，这些事实会自动写入售后单，您不需要自己证明。""",
        "body_en": """\
When a game card or membership code will not activate, the cause can usually be found in a few minutes. Check these points in order before you open a case.

## Check step by step

1. **Use the right redemption page.** A code only works on the official top-up page of its game or platform (a Q-coin card in Tencent's recharge centre, a game card on that game's website or in-game top-up page). Entered anywhere else it often fails with "card number does not exist" or "activation failed". Compare with the card type and usage rules on the product page.

2. **Check the code and password.** Open the order, press "Show" and copy and paste the code instead of typing it: the digit 0 and the letter O, the digit 1 and the letters l / I are easily confused, and a pasted code must not carry spaces or a line break. If the code has a card number and a password, enter each in its own field.

3. **Check your account.** Some cards and memberships need a verified (real-name) account, an account that is not frozen or banned, an account in the same region as the card, no conflicting membership already running, or a daily top-up limit not yet reached. Log in and look for a notice.

4. **Write down the exact error message.** "Code already used", "wrong card number or password" and "this card cannot be used in your region" are different problem types. A screenshot or the exact text lets you choose the right type, and the case is handled much faster.

5. **Wait and try once more.** Top-up services are sometimes under maintenance or busy; try again after 10 to 30 minutes. Make sure the code is right first: repeated wrong entries can lock your account's top-ups for a while.

## Still not working

If everything is right and it still fails, open a case for this code from the order page, choose "Activation fails", and write down the redemption page you used, your account type and the exact error. The platform has recorded when the code was delivered and first shown, and checks whether other buyers reported the same code; these facts are added to the case automatically, so you do not have to prove them.""",
    },
    {
        "slug": "invalid-key",
        "subtypes": ["invalid_key"],
        "categories": ["game_card", "membership"],
        "position": 0,
        "title_zh": "卡密显示无效怎么办",
        "title_en": "The code is shown as invalid: what to do",
        "body_zh": """\
充值页面提示卡密“无效”“不存在”或“错误”时，请先排除下面几种常见情况。

## 自查步骤

1. **复制完整、准确**。在订单页点击“查看”，用复制按钮或长按复制整段卡密，不要手抄。检查是否多复制了空格、换行或前后的说明文字，是否漏掉了开头或结尾的字符。0/O、1/l/I、2/Z、5/S、8/B 是最常见的抄错。

2. **卡号和密码没有填反**。有卡号和密码两部分的卡，卡号填到“卡号”框，密码填到“密码”框；只有一串的卡请整串填入。

3. **用对了充值入口**。同一发行商往往有多种卡（如游戏点卡与平台通用卡），请按商品页“卡种”和“使用说明”选择充值入口，不同卡种之间不能混用。

4. **不是“已被使用”**。如果提示的是“已被使用”“已充值”，请在售后中选择“卡密已被使用”这一问题类型，而不是“卡密无效”，两者的核查方式不同。

## 仍然不行

确认以上都没问题后，请在订单页对该卡密申请售后，问题类型选“卡密无效”，附上充值页面提示的截图。常见处理是商家为您更换一张新卡密，或退款。平台会自动核对：卡密何时发货、您何时首次查看、同一张卡密是否也被其他买家报告过。请不要把卡密发给他人或在群里公开，以免被他人使用后无法分清责任。""",
        "body_en": """\
If the top-up page says the code is "invalid", "does not exist" or "wrong", first rule out these common causes.

## Check step by step

1. **Copy all of it, exactly.** On the order page press "Show" and copy the whole code with the copy button or a long press instead of typing it. Make sure no space, line break or surrounding text was copied, and no character at the start or end was lost. 0/O, 1/l/I, 2/Z, 5/S and 8/B are the usual mix-ups.

2. **Number and password not swapped.** For cards with a card number and a password, put each in its own field; a card with one string goes in whole.

3. **The right redemption page.** One publisher often sells several kinds of card (a game's own card, a platform-wide card); pick the page that matches the "card type" and usage rules on the product page. One kind cannot be redeemed as another.

4. **Not "already used".** If the message says "already used" or "already redeemed", choose the problem type "Card key already redeemed" in the case, not "Card key invalid": the two are checked differently.

## Still not working

If all of this is fine, open a case for the code from the order page, choose "Card key invalid" and attach a screenshot of the message. The usual outcome is a replacement code from the merchant, or a refund. The platform checks by itself when the code was delivered, when you first opened it, and whether other buyers reported the same code. Do not send the code to anyone or post it in a group: once someone else uses it, nobody can tell what happened.""",
    },
    {
        "slug": "top-up-not-credited",
        "subtypes": ["not_delivered"],
        "categories": ["phone_topup", "game_card", "membership"],
        "position": 0,
        "title_zh": "直充未到账如何自查",
        "title_en": "A direct top-up has not arrived: how to check it yourself",
        "body_zh": """\
直充（直接充到您的游戏账号、手机号或会员账号）没有到账时，请按以下步骤检查。

## 自查步骤

1. **看订单状态**。打开订单页：显示“发货中”表示上游供货商还在处理，请等到商品页承诺的到账时间；供货商答复充值失败时，平台会自动把这笔钱退回您的钱包，订单显示“已退款”，无需申请售后；显示“已发货”但账号上没有，请继续看下面几步。

2. **核对充值账号**。订单页列出了您下单时填写的账号、手机号、区服和角色名。请逐字核对是否与实际账号一致，特别是 QQ 号、手机号的位数，以及同名角色所在的区服。

3. **在正确的地方查看余额**。游戏点券通常要重新登录或切换区服后才显示；话费以运营商短信或营业厅查询为准，部分话费充值需要较长时间才到账；会员请在对应平台的“我的会员”页查看有效期是否延长。

4. **留意到账时间**。高峰期或运营商维护时，直充可能比平时慢。请以商品页写明的到账时间为准，超过后再申请售后。

## 仍然不行

若超过承诺时间仍未到账，请在订单页申请售后，问题类型选“未到账/未发货”，写明您查看余额的位置和时间，最好附上截图。平台会自动附上上游供货商对这笔充值的答复和实际的发货延迟。符合条件的小额订单（例如供货商答复充值失败，或商家长时间无法联系）可走极速退款，当场退回。""",
        "body_en": """\
A direct top-up is credited straight to your game account, phone number or membership. If it has not arrived, check these steps.

## Check step by step

1. **Look at the order.** "Delivering" means the upstream supplier is still working on it: wait until the delivery time promised on the product page. When the supplier reports the top-up failed, the platform returns the money to your wallet by itself and the order shows "Refunded"; no case is needed. "Delivered" but nothing on your account: go on with the steps below.

2. **Check the account you gave.** The order page lists the account, phone number, region/server and character name you entered when ordering. Compare them character by character with your real account, especially the length of a QQ or phone number and the server of a character whose name exists on several servers.

3. **Look in the right place.** In-game currency often shows only after you log in again or switch server; phone credit is what the carrier's text message or app says, and some phone top-ups take longer to arrive; for a membership, check whether the expiry date moved on the platform's "my membership" page.

4. **Allow for the promised time.** At peak times or during carrier maintenance a top-up may be slower than usual. Open a case once the time promised on the product page has passed.

## Still not working

If it is still missing after the promised time, open a case from the order page, choose "Not delivered", and say where and when you checked your balance, ideally with a screenshot. The platform adds the upstream supplier's answer for this top-up and the actual delivery delay to the case by itself. A small order that qualifies (for example, the supplier reported the top-up as failed, or the merchant cannot be reached) gets a fast refund, paid at once.""",
    },
    {
        "slug": "wrong-region",
        "subtypes": ["wrong_region"],
        "categories": ["game_card", "virtual_item"],
        "position": 0,
        "title_zh": "区服填写错误怎么办",
        "title_en": "Wrong region or server: what to do",
        "body_zh": """\
区服问题分两种情况：您下单时填错了区服，或者您填对了但充值到了别的区服、买到的卡不适用于您的地区。先分清是哪一种。

## 自查步骤

1. **核对您填写的内容**。订单页保存了您下单时填写的区服、服务器和角色名，这是平台认定“填写了什么”的依据。请与游戏内的角色信息对照。

2. **如果是您填错了：请尽快联系商家（店铺页的“联系店铺”）**。订单还在处理、尚未提交给上游时，商家通常可以改正后再充值。已经充到另一个区服的，游戏方一般不能转区，这种情况责任在买家，平台通常无法要求商家退款，能否补救取决于商家和游戏方。

3. **如果您填对了，但充到了别的区服：这是商家或供货商的问题**。请申请售后，问题类型选“区服不符”，附上游戏内角色所在区服的截图。平台会把您填写的区服和实际充值结果一起放进售后单。

4. **如果是买到的卡密不适用于您的地区：请对照商品页写明的适用地区或区服**。商品页写明了限制而您买错的，属于买家原因；商品页没写或写错的，属于商家原因，可以申请售后，选择“区服不符”。

## 仍然不行

下单前请再确认一次区服，特别是合服、新开服和同名角色较多的游戏。""",
        "body_en": """\
A region problem is one of two things: you entered the wrong region or server when ordering, or you entered the right one but the top-up went elsewhere or the card does not work in your region. First find out which.

## Check step by step

1. **Check what you entered.** The order page keeps the region, server and character name you entered when ordering; the platform treats that as what you asked for. Compare it with your character in the game.

2. If you entered it wrongly, contact the merchant at once ("Contact the shop" on the shop page). While the order has not been passed to the upstream supplier, the merchant can usually correct it and top up again. Once credited to another server, a game can rarely move it; the buyer is then responsible, and the platform normally cannot require the merchant to refund. Whether it can be fixed depends on the merchant and the game.

3. If you entered it correctly but the top-up went to another server, the merchant or the supplier is responsible. Open a case, choose "Wrong region or server", and attach a screenshot showing your character's server. The platform puts what you entered and the actual top-up result side by side in the case.

4. If the card you bought does not work in your region, compare with the region or server stated on the product page. If the page stated the restriction and you bought the wrong card, that is the buyer's side; if the page said nothing or was wrong, it is the merchant's, and you can open a case with "Wrong region or server".

## Still not working

Before ordering, check the region and server once more, especially for games with merged servers, new servers or many characters of the same name.""",
    },
    {
        "slug": "key-already-used",
        "subtypes": ["key_already_used"],
        "categories": ["game_card", "membership"],
        "position": 0,
        "title_zh": "卡密提示已被使用怎么办",
        "title_en": "The code says it was already used: what to do",
        "body_zh": """\
充值页面提示卡密“已被使用”“已充值”时，请先确认下面两点。

## 自查步骤

1. **是不是您自己已经充过**。同一张卡密重复提交会提示已使用。请查看账号的充值记录或余额变动，也问问家人是否用同一账号充过值。

2. **卡密是否给别人看过**。订单页会记录卡密每次被查看的时间和来源。请不要把卡密截图发到群里、发给“客服”或陌生人，这是卡密被盗用最常见的原因。

## 仍然不行

如果都没有，请在订单页申请售后，问题类型选“卡密已被使用”，附上充值页面提示的截图。平台会自动核对这张卡密何时发货、您何时首次查看，以及是否有其他买家报告过同一张卡密；在您查看之前就已被使用的，通常由商家更换或退款。""",
        "body_en": """\
If the top-up page says the code was "already used" or "already redeemed", check two things first.

## Check step by step

1. Did you redeem it already? Submitting the same code twice shows this message. Look at your account's top-up history or balance, and ask whether someone in your family topped up the same account.

2. Has anyone else seen the code? The order page records every time the code was shown, and from where. Never post a screenshot of a code in a group or send it to a "support agent" or a stranger: that is the most common way codes are stolen.

## Still not working

If neither applies, open a case from the order page, choose "Card key already redeemed" and attach a screenshot of the message. The platform checks by itself when the code was delivered, when you first opened it, and whether other buyers reported the same code; a code used before you ever opened it is normally replaced or refunded by the merchant.""",
    },
]

DEFAULT_ARTICLES: list[dict] = [*_CONVERTED, *SUBTYPE_ARTICLES, *GENERAL_ARTICLES]

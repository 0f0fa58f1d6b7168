"""Self-service in a real browser (issue 11).

1. On the demo data, a buyer whose card key "is invalid" describes the problem in their own words;
   the case form suggests the problem type, the buyer takes it, goes through the self-check wizard
   (which solves nothing) and lands on the case form with the type chosen and the answers
   prefilled; the case that opens records the answers as the buyer's statement.
2. Script written into an article's Markdown, a community question and an answer never runs:
   not on the article page, the question page, nor in the search results that highlight them.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from kameng.accounts.models import Role
from kameng.aftersales.models import Case, RunOutcome, WizardRun
from kameng.catalog.models import Product
from kameng.orders.services import place_order, reveal_key
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]

DEMO_PASSWORD = "kameng-demo-2026"
OWN_WORDS = "买的一卡通卡密提示无效，复制粘贴进去也不行"


def _log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_buyer_with_invalid_key_self_checks_then_opens_a_prefilled_case(page, shot):
    call_command("demo", no_serve=True)
    from kameng.accounts.models import User

    buyer = User.objects.get(username="buyer")
    product = Product.objects.get(title_zh__startswith="网易一卡通")
    order = place_order(
        buyer=buyer, product_id=product.pk, quantity=1, buyer_fields=None, idempotency_key="e2e-self-service"
    ).order
    key = order.batches.get().keys.get()
    reveal_key(buyer=buyer, order_id=order.pk, order_key_id=key.pk, ip="127.0.0.1", user_agent="e2e")

    _log_in(page, "buyer")
    page.goto(f"/orders/{order.pk}/")
    assert page.locator("[data-testid=nav-help]").is_visible()  # the knowledge base, from the header
    page.click("[data-testid=open-case]")

    # 1. Own words → suggested problem types (htmx, as the buyer types).
    page.fill("[data-testid=own-words]", OWN_WORDS)
    chips = page.locator("[data-testid=triage-suggestions] a.chip")
    chips.first.wait_for()
    assert chips.first.get_attribute("data-subtype") == "invalid_key"
    assert "%" in chips.first.inner_text()
    assert page.locator("[data-testid=triage-you-choose]").is_visible()
    shot("suggested-type")
    chips.first.click()

    # 2. The self-check is offered before the case form; the buyer goes through it.
    page.locator("[data-testid=self-check]").wait_for()
    assert page.locator("[data-testid=open-case-form]").count() == 0
    shot("self-check-offered")
    page.click("[data-testid=start-self-check]")
    step = page.locator("[data-testid=self-check-step]")
    # The key was revealed (a fact step the wizard answers itself), so it asks about typing first.
    page.wait_for_selector("[data-testid=self-check-step][data-step=format]")
    page.click("[data-testid=answer-0]")  # still invalid after pasting
    page.wait_for_selector("[data-testid=self-check-step][data-step=where]")
    shot("self-check-question")
    page.click("[data-testid=answer-0]")  # platform and region are right
    page.wait_for_selector("[data-testid=self-check-step][data-step=read]")  # nobody else reported the batch
    page.click("[data-testid=answer-0]")  # read the article, still not working
    page.wait_for_selector("[data-testid=self-check-step][data-kind=open_case]")
    assert step.locator("[data-testid=self-check-answers]").count() == 1
    shot("self-check-ends-open-case")
    page.click("[data-testid=self-check-open-case]")

    # 3. The case form: type chosen, own words and the answers prefilled.
    form = page.locator("[data-testid=open-case-form]")
    form.wait_for()
    assert form.locator("input[name=subtype]").input_value() == "invalid_key"
    description = form.locator("textarea[name=description]").input_value()
    assert OWN_WORDS in description
    assert "复制粘贴后仍然无效" in description and "是，平台和区服都对" in description
    run = WizardRun.objects.get(order=order)
    assert form.locator("input[name=run]").input_value() == str(run.pk)
    shot("case-form-prefilled")
    form.locator("input[name=demand][value=replace]").check()
    page.click("[data-testid=submit-case]")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))

    case = Case.objects.get(order=order)
    run.refresh_from_db()
    assert run.outcome == RunOutcome.OPEN_CASE and run.case_id == case.pk
    assert case.subtype == "invalid_key"
    assert [a["answer"] for a in case.self_check["answers"] if a["kind"] == "question"] == [
        "复制粘贴后仍然无效",
        "是，平台和区服都对",
        "看过了，还是不行",
    ]
    statement = page.locator("[data-testid=case-self-check]")
    assert "复制粘贴后仍然无效" in statement.inner_text()
    shot("case-with-self-check")


XSS_MARKDOWN = (
    "检查激活失败的步骤。\n\n"
    "<script>window.__xss = 'script'</script>\n\n"
    '<img src="x" onerror="window.__xss = \'img\'">\n\n'
    "[点我](javascript:window.__xss='link') · <a href=\"javascript:window.__xss='a'\">再点</a>\n"
)


def test_script_in_articles_questions_and_answers_never_runs(page, shot, site):
    from kameng.community import services as community
    from kameng.knowledge import services as knowledge

    operator = UserFactory(role=Role.OPERATOR, username="ops")
    asker = UserFactory(role=Role.BUYER, username="asker")
    helper = UserFactory(role=Role.BUYER, username="helper")
    knowledge.create_article(
        author=operator,
        slug="xss-probe",
        title_zh="激活失败 脚本测试",
        body_zh=XSS_MARKDOWN,
        subtypes=["activation_failed"],
    )
    knowledge.publish_article(actor=operator, slug="xss-probe")
    question = community.ask_question(author=asker, title="激活失败 <script>window.__xss=1</script>", body=XSS_MARKDOWN)
    community.post_answer(author=helper, question_id=question.pk, body=XSS_MARKDOWN)

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def assert_inert(where: str) -> None:
        assert page.evaluate("window.__xss === undefined"), where
        assert page.locator("main script").count() == 0, where
        assert page.locator("main [onerror]").count() == 0, where
        assert page.locator("main a[href^='javascript']").count() == 0, where

    page.goto("/help/xss-probe/")
    assert "检查激活失败的步骤" in page.locator("main").inner_text()
    assert_inert("article")
    shot("article")
    page.goto(f"/community/q/{question.pk}/")
    assert "<script>" in page.locator("main h1").inner_text()  # shown as text, never run
    assert_inert("question")
    shot("question")
    # The javascript: links are shown as words, never as something to click.
    assert "点我" in page.locator("main").inner_text()
    assert page.locator("main a", has_text="点我").count() == 0
    page.goto("/help/search/?q=激活失败")
    assert page.locator("main mark").count() >= 1
    assert_inert("search results")
    shot("search")
    assert dialogs == []

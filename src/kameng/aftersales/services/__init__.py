"""Every write to after-sales cases, one module per stage of the ladder:

- ``opening``: 售后单 — the buyer opens a case; facts, frozen escrow, or a fast refund at once (2, 8.3);
- ``merchant``: 商家处理 — accept, offer, refuse, ask for and provide information (3);
- ``platform``: 平台介入 — the buyer asks the platform in, an agent takes the case and rules (4);
- ``appeals``: second looks and ways out — 申诉 (6.1), contesting a fast refund (8.3), reopening after
  the buyer's silence (7.1), withdrawal (7.2) and 外部维权 (9.1): every step a party takes against
  a decision or to leave the ladder;
- ``conversation``: the case thread and its attachments;
- ``sweeper``: the sweep of case deadlines and reminders (named so the module does not shadow the
  ``sweep`` function re-exported here);
- ``outcome``: the only place a case outcome becomes money or goods (fast refund, accepted demand or
  offer, ruling, and the ruling preview);
- ``steps``: the one place a step is checked against ``transitions`` (``check_step``) and then done
  (``apply_step``, the only code that assigns ``Case.state``), with the clocks and notices;
- ``inputs``: checks of typed text and amounts, shared by the stages.

Who may act (``role_on``, the locked case for a role, the table's guards) lives in
``aftersales.permissions``, which selectors use too; nothing there imports a service.

Check, lock, change. Lock order (docs/concurrency.md): case row (``permissions.locked_case``) →
order row (inside ``orders.money``) → ledger accounts by id → card keys (SKIP LOCKED) → timeline
heads (case stream, then order stream: ``steps.flush``, the last locks of a step) → product row. No
order-side code locks a case, so the order can never be the first lock of a path that then waits for
a case. A service checks the step with ``check_step`` before it moves money, and ``apply_step``
checks it again under the same lock before it changes the state.
"""

from kameng.aftersales.services.appeals import (
    appeal,
    contest_fast_refund,
    escalate_externally,
    reopen_case,
    withdraw_case,
)
from kameng.aftersales.services.conversation import post_message
from kameng.aftersales.services.merchant import (
    accept_case,
    answer_offer,
    ask_for_info,
    make_offer,
    provide_info,
    refuse_case,
)
from kameng.aftersales.services.opening import open_case
from kameng.aftersales.services.outcome import MoneyLine, preview_ruling
from kameng.aftersales.services.platform import request_intervention, rule, ruling_preview, take_case
from kameng.aftersales.services.sweeper import SweepReport, sweep

__all__ = [
    "MoneyLine",
    "SweepReport",
    "accept_case",
    "answer_offer",
    "appeal",
    "ask_for_info",
    "contest_fast_refund",
    "escalate_externally",
    "make_offer",
    "open_case",
    "post_message",
    "preview_ruling",
    "provide_info",
    "refuse_case",
    "reopen_case",
    "request_intervention",
    "rule",
    "ruling_preview",
    "sweep",
    "take_case",
    "withdraw_case",
]

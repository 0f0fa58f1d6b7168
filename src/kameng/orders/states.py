"""The states of an order and of its delivery batches, for other apps to compare with.

After-sales and evidence never import ``orders.models`` (an import-linter contract): they read
orders through ``orders.selectors`` and move money through ``orders.money``. The state enums are
the one thing they need by name, and they are plain values, not rows, so they are offered here.
"""

from kameng.orders.models import BatchState, OrderState

__all__ = ["BatchState", "OrderState"]

"""What after-sales tells the apps above it (reputation), sent inside the step's transaction.

``cases_changed``: ``reports`` is a list of ``figures.CaseReport``, one per case a step (or a
sweep chunk) changed, each with the difference the step made to what the case adds to its shop's
figures. Receivers run under the case locks; anything slow or contended they leave to on-commit.
"""

from django.dispatch import Signal

cases_changed = Signal()

"""Signals other domains listen to. Payments never imports them; they subscribe here."""

from django.dispatch import Signal

# Sent on commit after a wallet was credited by a payment (status paid or paid_late), with
# ``payment=<Payment>``. Orders listens to pay the waiting order from the wallet.
payment_captured = Signal()

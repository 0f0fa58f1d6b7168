"""Notifications: the in-site inbox and the email that follows each entry.

Other apps call ``services.notify`` inside their own transaction for every step a party must act
on (and for reminders before deadlines, made idempotent by ``dedupe_key``); the row commits or
rolls back with the business act, and the email leaves only after commit, through a task. What a
notification says comes from the kind registry (``kinds.py``), rendered in the reader's language
when it is shown, so the stored row holds only the kind and its parameters.
"""

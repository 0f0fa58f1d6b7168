"""The after-sales rulebook (售后处理规范): numbered clauses in Chinese and English and the
parameters they set (deadlines, windows, limits), published in immutable versions.

- ``params``: the parameters, their defaults and ranges; ``defaults``: the first version's texts.
- ``selectors.current()`` / ``version(id)``: what the after-sales engine reads; a case records
  the version it opened under and cites clauses with ``Rulebook.cite(code)``.
- ``services.publish_version``: operators publish version N+1.
- ``problems``: the problem taxonomy the rulebook page publishes.
"""

"""Knowledge base (售后知识库), minimal: the self-check articles (自查) offered for a problem type
before a case opens, in Chinese and English. Each article belongs to one problem subtype of
``kameng.rulebook.problems``; operators edit them, and ``defaults.py`` seeds the first ones.
"""

from __future__ import annotations

import pytest

from kameng.knowledge import services


def make(author, slug="check-it", **kw):
    values = {
        "title_zh": "卡密无效自查",
        "title_en": "Invalid code self-check",
        "body_zh": "## 步骤\n\n1. 第一步\n2. 第二步",
        "body_en": "## Steps\n\n1. First\n2. Second",
        "subtypes": ["invalid_key"],
        "categories": ["game_card"],
        **kw,
    }
    return services.create_article(author=author, slug=slug, **values)


@pytest.fixture
def defaults():
    services.install_default_articles()

from io import StringIO

import pytest
from django.core.management import call_command

from kameng.aftersales.models import Wizard
from kameng.knowledge.models import Article
from kameng.rulebook.problems import SUBTYPES

pytestmark = pytest.mark.django_db


def test_selfservice_install_adds_the_starter_content_once():
    out = StringIO()
    call_command("selfservice", "install", stdout=out)
    assert "articles added: 17" in out.getvalue()
    assert set(Wizard.objects.values_list("subtype", flat=True)) == set(SUBTYPES)
    articles, wizards = Article.objects.count(), Wizard.objects.count()
    again = StringIO()
    call_command("selfservice", "install", stdout=again)
    assert "articles added: 0, self-check wizards added: 0, synonym groups added: 0" in again.getvalue()
    assert (Article.objects.count(), Wizard.objects.count()) == (articles, wizards)

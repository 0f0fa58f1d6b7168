"""Buy and contact are offered to buyers only; others see why (issue 12, point 3)."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["merchant", "agent", "operator"])
def test_non_buyers_see_why_instead_of_a_403_link(client, role):
    product = f.ProductFactory()
    user = f.UserFactory(role=role)
    client.force_login(user)
    page = client.get(f"/products/{product.pk}/").content.decode()
    assert "/orders/new/?product=" not in page
    assert 'data-testid="contact-shop-not-buyer"' in page


def test_anonymous_gets_a_login_link_with_next(client):
    product = f.ProductFactory()
    page = client.get(f"/products/{product.pk}/").content.decode()
    assert "contact-shop-login" in page

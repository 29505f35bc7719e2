import pytest
from django.urls import reverse

from wenming.org.models import Person

pytestmark = pytest.mark.django_db


def test_visitors_land_on_the_public_home_and_staff_on_theirs(client):
    page = client.get(reverse("home"))
    assert page.status_code == 200 and 'id="public-home"' in page.content.decode()
    for name in ("public:report", "public:track", "exposure:board", "exposure:showcase", "exposure:red_black"):
        assert reverse(name) in page.content.decode()
    client.force_login(Person.objects.get(username="zhiban"))
    assert 'id="public-home"' not in client.get(reverse("home")).content.decode()

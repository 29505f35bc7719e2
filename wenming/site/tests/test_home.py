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


@pytest.mark.parametrize(("username", "review", "hotline"), [
    ("shouli", True, True), ("zhiban", True, True), ("paiqian", True, False), ("admin", True, False),
    ("chengguan", False, False), ("anfang", False, False),
])
def test_the_home_tiles_follow_the_pages_own_checks(client, username, review, hotline):
    """The review and hotline tiles show exactly to those the pages let in (the view decides, not the template)."""
    client.force_login(Person.objects.get(username=username))
    page = client.get(reverse("home")).content.decode()
    assert ('id="public-review"' in page) is review
    assert ('id="hotline-intake"' in page) is hotline


def test_every_page_names_the_sites_own_icon_and_it_is_served(client):
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    icon = static("wenming/favicon.svg")
    assert f'<link rel="icon" href="{icon}"' in client.get(reverse("home")).content.decode()
    assert finders.find("wenming/favicon.svg").endswith("favicon.svg")


def test_the_configuration_link_is_offered_only_to_those_the_admin_site_lets_in(client):
    client.force_login(Person.objects.get(username="zhiban"))
    assert 'id="nav-configuration"' in client.get(reverse("cases:workbench")).content.decode()
    client.force_login(Person.objects.create_user(username="norole", password="x"))  # holds no role
    assert 'id="nav-configuration"' not in client.get(reverse("cases:workbench")).content.decode()

import pytest
from django.urls import reverse

from wenming.common.services.notifications import notifications_enqueue
from wenming.org.models import Person

pytestmark = pytest.mark.django_db


def test_a_person_sees_and_marks_only_their_own_notifications(client):
    me, other = Person.objects.get(username="chengguan"), Person.objects.get(username="gongdian")
    notifications_enqueue(recipients=[me], key="n1", subject="案件 1 已派遣到本单位", link="/cases/1/")
    notifications_enqueue(recipients=[other], key="n2", subject="别人的消息")
    client.force_login(me)
    page = client.get(reverse("notifications")).content.decode()
    assert "案件 1 已派遣到本单位" in page and "别人的消息" not in page
    assert 'class="badge">1<' in page
    client.post(reverse("notifications_read"), {"id": other.notifications.get().pk})
    assert other.notifications.get().read_at is None  # someone else's row is untouched
    client.post(reverse("notifications_read"))
    assert me.notifications.get().read_at is not None
    assert 'class="badge"' not in client.get(reverse("notifications")).content.decode()


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("notifications")).status_code == 302
    assert client.post(reverse("notifications_read")).status_code == 302

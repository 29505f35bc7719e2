from django.core.management.base import BaseCommand

from wenming.org.models import Person
from wenming.org.services.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo accounts and their roles."

    def handle(self, *args, **options):
        people = Person.objects.exclude(password="!").prefetch_related("roles").order_by("id")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}) at http://127.0.0.1:8000/login/\n")
        for person in people:
            roles = ", ".join(str(r.get_role_display()) for r in person.roles.all())
            self.stdout.write(f"  {person.username:<16} {person.display_name:<24} {roles}")
        self.stdout.write("")

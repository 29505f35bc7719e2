import os

from django.core.management.base import BaseCommand

from wenming.demo.accounts import DEMO_PASSWORD
from wenming.org.models import Person


class Command(BaseCommand):
    help = "Print the demo accounts and their roles."

    def handle(self, *args, **options):
        # Only accounts that can log in: not deactivated (停用), and an unusable password is "!" followed by anything.
        people = (Person.objects.filter(is_active=True).exclude(password__startswith="!")
                  .prefetch_related("roles").order_by("id"))
        # The address `wenming serve` will listen on (make demo passes its PORT along).
        host, port = os.environ.get("WENMING_HOST", "127.0.0.1"), os.environ.get("WENMING_PORT", "8000")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}) at http://{host}:{port}/login/\n")
        for person in people:
            roles = ", ".join(str(r.get_role_display()) for r in person.roles.all())
            self.stdout.write(f"  {person.username:<16} {person.display_name:<24} {roles}")
        self.stdout.write("")

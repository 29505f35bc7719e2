import os

from django.core.management.base import BaseCommand

from wenming.demo.accounts import DEMO_PASSWORD, demo_logins
from wenming.demo.volunteers import DEMO_VOLUNTEER_PHONE


class Command(BaseCommand):
    help = "Print the demo accounts and their roles."

    def handle(self, *args, **options):
        # The address `wenming serve` will listen on (make demo passes its PORT along).
        host, port = os.environ.get("WENMING_HOST", "127.0.0.1"), os.environ.get("WENMING_PORT", "8000")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}) at http://{host}:{port}/login/\n")
        for person in demo_logins():
            roles = ", ".join(str(r.get_role_display()) for r in person.roles.all())
            self.stdout.write(f"  {person.username:<16} {person.display_name:<24} {roles}")
        # Not an account line (those are indented): volunteers sign in with a phone, not a password.
        self.stdout.write(f"Volunteer (志愿者): phone {DEMO_VOLUNTEER_PHONE} at http://{host}:{port}/volunteers/signin/; "
                          "the SMS code is printed in the server log\n")

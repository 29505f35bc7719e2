from django.core.management.base import BaseCommand, CommandError

from wenming.cases.models import Case
from wenming.cases.services.errors import WorkflowError
from wenming.demo.cases import demo_cases_build
from wenming.demo.credit import credit_demo_build
from wenming.demo.registries import registries_demo_build
from wenming.demo.selections import selections_demo_build
from wenming.demo.volunteers import volunteers_demo_build
from wenming.demo.votes import votes_demo_build
from wenming.demo.windows import windows_demo_build


class Command(BaseCommand):
    help = "Add a few weeks of synthetic cases to the demo city, through the workflow services (same seed, same cases)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=300)
        parser.add_argument("--days", type=int, default=42)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--if-empty", action="store_true", help="do nothing if there are cases already")

    def handle(self, *args, count, days, seed, if_empty, **options):
        if if_empty and Case.objects.exists():
            self.stdout.write("The database already holds cases; demo cases left as they are.")
            return
        try:
            counts = demo_cases_build(count=count, seed=seed, days=days)
        except WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        registries_demo_build(seed=seed)  # the police registers (电动车·养犬) and their monthly exports
        selections_demo_build()  # the selections (评选): kinds, a published call, one taking nominations, one in review
        votes_demo_build(seed=seed)  # the public vote of a selection call (评选投票), one burst flagged for review
        windows_demo_build(seed=seed)  # the service windows (窗口文明服务), their matters, ratings and competition
        volunteers_demo_build(seed=seed)  # volunteer organisations, activities around now, service records
        credit_demo_build(seed=seed)  # the credit network (信用信息): five departments' exports, repairs, measures
        summary = ", ".join(f"{state} {n}" for state, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"{sum(counts.values())} demo cases: {summary}"))

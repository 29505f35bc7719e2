from django.core.management.base import BaseCommand

from wenming.demo.evaluation import evaluation_demo_build, evaluation_work_demo_build


class Command(BaseCommand):
    help = ("Load the demo editions of the evaluation framework (演示版，非官方文本) through the import, the evaluation "
            "office's login and the demo city's responsibility matrix; then the risk plans, the ledger and the online "
            "materials. Leaves what is there already.")

    def handle(self, *args, **options):
        counts = evaluation_demo_build()
        self.stdout.write(self.style.SUCCESS(
            "Evaluation framework: {editions} demo editions loaded now; current edition: {assigned} criteria with a "
            "lead unit, {negative} negative-list items, {opinion} evaluation-opinion items.".format(**counts)))
        work = evaluation_work_demo_build()
        self.stdout.write(self.style.SUCCESS(f"Risk control: {work['risks']}; ledger: {work['ledger']}; "
                                             f"online materials: {work['materials']}."))

from django.core.management.base import BaseCommand

from wenming.demo.inspections import index_weights_demo_build, inspections_demo_build
from wenming.demo.patrols import patrols_demo_build
from wenming.demo.storefronts import storefronts_demo_build


class Command(BaseCommand):
    help = ("Load the demo inspection schemes (农贸市场, 学校, 背街小巷) through the import, plan the demo round (unannounced) "
            "and record its first day's results for the demo inspector anfang. Leaves what is there already.")

    def handle(self, *args, **options):
        counts = inspections_demo_build()
        self.stdout.write(self.style.SUCCESS(
            "Inspections: {schemes} schemes loaded now; demo round: {sites} sampled sites, {results} results, "
            "{findings} findings filed as cases.".format(**counts)))
        self.stdout.write("Storefront checks (门前五包): {checks} checks, {notices} notices, {cases} unfixed filed as cases, {repeat_offenders} repeat offenders.".format(**storefronts_demo_build()))  # noqa: E501
        self.stdout.write("Road chiefs: {chiefs} chiefs, {patrols} patrols, {findings} problems reported.".format(**patrols_demo_build()))
        self.stdout.write(f"Index versions weighing the inspection score (暗访得分) and task work: {index_weights_demo_build()} made now.")

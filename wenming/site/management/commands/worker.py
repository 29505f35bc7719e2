import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from wenming.campaign.tasks import scan_campaign
from wenming.cases.services.escalation import escalations_scan
from wenming.cases.services.webhooks import webhooks_deliver, webhooks_recover
from wenming.cases.tasks import deliver_webhooks, scan_escalations
from wenming.common.services.notifications import notifications_deliver, notifications_recover
from wenming.common.tasks import deliver_notifications, sweep_files
from wenming.evaluation.material_tasks import scan_material_reminders
from wenming.evaluation.tasks import scan_risks
from wenming.scoring.tasks import compute_snapshots, refresh_daily_counts


class Command(BaseCommand):
    help = ("Run background work: the task queue worker, and the periodic escalation, campaign and risk scans, "
            "notification and webhook retries, dashboard counts, score snapshots and the orphan-file sweep.")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0, help="seconds between periodic scans (default 60)")
        parser.add_argument("--once", action="store_true", help="run the periodic jobs once, in this process, and exit")
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="stop when this process (the one that started us) ends; wenming serve --with-worker")

    def handle(self, *args, interval, once, parent_pid=None, **options):
        if once:
            self.stdout.write(f"escalations: {escalations_scan()}")
            self.stdout.write(f"campaign: {scan_campaign.call()}")
            self.stdout.write(f"risks: {scan_risks.call()}")
            self.stdout.write(f"materials: {scan_material_reminders.call()}")
            notifications_recover()
            self.stdout.write(f"notifications: {notifications_deliver()}")
            webhooks_recover()
            self.stdout.write(f"webhooks: {webhooks_deliver()}")
            self.stdout.write(f"daily counts: {refresh_daily_counts.call()}")
            self.stdout.write(f"snapshots: {compute_snapshots.call()}")
            self.stdout.write(f"files: {sweep_files.call()}")
            return
        # The queue itself is worked by django-tasks-db's worker; this process schedules the periodic jobs.
        child = subprocess.Popen([sys.executable, "-m", "wenming.cli", "db_worker"], env=os.environ.copy())
        stop = False

        def _stop(*_):
            nonlocal stop
            stop = True

        # The server that started us may be stopped by a signal to it alone (a service manager, kill): once it is
        # gone this process is re-parented, which is how we notice (also if it went before we got here).
        parent = parent_pid
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        # Slower jobs: the dashboards' daily counts, the materials' due-date reminders and the orphan-file sweep hourly, the score snapshots daily (all
        # at start too).
        every = {refresh_daily_counts: 3600.0, scan_material_reminders: 3600.0, compute_snapshots: 86400.0, sweep_files: 3600.0}
        last_run = dict.fromkeys(every, float("-inf"))

        try:
            while not stop:
                notifications_recover()
                scan_escalations.enqueue()
                scan_campaign.enqueue()
                scan_risks.enqueue()
                deliver_notifications.enqueue()
                webhooks_recover()
                deliver_webhooks.enqueue()  # retries whose backoff has run out
                for job, period in every.items():
                    if time.monotonic() - last_run[job] >= period:
                        job.enqueue()
                        last_run[job] = time.monotonic()
                slept = 0.0
                while slept < interval and not stop:
                    time.sleep(0.5)
                    slept += 0.5
                    if parent is not None and os.getppid() != parent:
                        stop = True
        finally:
            child.terminate()
            child.wait(timeout=30)

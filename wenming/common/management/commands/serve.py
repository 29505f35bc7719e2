import os
import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from wenming.common.env import env_int


class Command(BaseCommand):
    help = "Run the production web server (gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("WENMING_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=env_int("WENMING_PORT", 8000, min=1, max=65535))
        parser.add_argument("--workers", type=int, default=env_int("WENMING_WORKERS", 2, min=1))
        parser.add_argument("--threads", type=int, default=env_int("WENMING_THREADS", 4, min=1))
        parser.add_argument("--with-worker", action="store_true", help="also run the background worker (the demo does)")

    def handle(self, *args, host, port, workers, threads, with_worker, **options):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        argv = [
            str(gunicorn), "wenming.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--access-logfile", "-", "--forwarded-allow-ips", os.environ.get("WENMING_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if with_worker:
            # Started in our process group, so Ctrl-C stops both; and it stops by itself when the server (which
            # replaces this process, same pid) ends on a signal sent to it alone.
            subprocess.Popen([sys.executable, "-m", "wenming.cli", "worker", "--parent-pid", str(os.getpid())], env=os.environ.copy())
        self.stdout.write(f"Serving on http://{host}:{port}/")
        sys.stdout.flush()
        os.execv(argv[0], argv)

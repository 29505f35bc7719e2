import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.cluster import Cluster, ClusterError
from wenming.cluster.core import PROJECT_DIR
from wenming.cluster.supervisor import Supervisor


class Command(BaseCommand):
    help = ("The cluster on one machine (docs/scaling.md): up starts etcd, two Patroni PostgreSQL nodes, HAProxy, "
            "PgBouncer, Redis, the app nodes and task workers under a supervisor; down stops it all.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["up", "down", "status", "supervise"])
        parser.add_argument("--root", default=str(PROJECT_DIR / "var" / "cluster"))
        parser.add_argument("--port-base", type=int, default=None,
                            help="first port (default WENMING_CLUSTER_PORT_BASE or 15400)")
        parser.add_argument("--app-nodes", type=int, default=2)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--demo", action="store_true", help="up: load a small demo city (300 grids)")
        parser.add_argument("--grids", type=int, default=300, help="up --demo: grids of the demo city")
        parser.add_argument("--keep", action="store_true", help="down: keep the data under --root")
        parser.add_argument("--timeout", type=float, default=300)
        parser.add_argument("--json", action="store_true", help="status: as JSON")

    def handle(self, *args, action, root, port_base, app_nodes, workers, demo, grids, keep, timeout, **options):
        root = Path(root)
        if action == "supervise":
            Supervisor(root, log=lambda line: (self.stdout.write(line), self.stdout.flush())).run()
            return
        cluster = Cluster(root, port_base, app_nodes=app_nodes, workers=workers)
        try:
            if action == "up":
                seconds = cluster.up(timeout=timeout, demo=demo, demo_grids=grids, log=self.stdout.write)
                self.stdout.write(f"cluster up in {seconds:.1f} s: {cluster.url}/")
                self._print_status(cluster.status())
            elif action == "down":
                cluster.down(keep=keep)
                self.stdout.write("cluster down" + (f" (data kept in {root})" if keep else ""))
            else:
                status = cluster.status()
                if options["json"]:
                    self.stdout.write(json.dumps(status, indent=2))
                else:
                    self._print_status(status)
        except ClusterError as error:
            raise CommandError(str(error)) from error

    def _print_status(self, status: dict) -> None:
        self.stdout.write(f"{'service':<11} {'pid':>8} {'port':>6}  health")
        for name, info in status.items():
            if not isinstance(info, dict):
                continue
            health = "held" if info["held"] else ("ok" if info["healthy"] else "DOWN")
            role = f"  {info['role']}" if info.get("role") else ""
            self.stdout.write(f"{name:<11} {info['pid'] or '-':>8} {info['port'] or '-':>6}  {health}{role}")
        self.stdout.write(f"primary: {status['primary'] or 'none'}   load balancer: {status['url']}/")

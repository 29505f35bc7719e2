"""HTTP intake, counted in CPU instructions: what each endpoint's request costs the application, free of the noise
of a shared machine.

    .venv/bin/python bench/intake_instructions.py [--database-url postgres://postgres@127.0.0.1:5432/wenming_bench_http]
                                                  [--requests 300] [--jobs 2]

Not a test. ``bench/http_intake.py`` times the real server under load, but on a two-core machine shared with
other work its ratios move by ±0.1 from run to run. This script counts instead: each endpoint's requests are
replayed through Django's WSGI handler (every middleware, DRF, the service, the real INSERT into PostgreSQL) in
one process under ``valgrind --tool=callgrind`` (Debian package ``valgrind``), once with N requests and once
with none, and the difference divided by N is the instructions one request costs the application process. The
bodies are the ones http_intake.py posts (same problems, grids and keys). The same count is taken for the
intake service alone and for its routing decision, to show where a post's cost lies.

What it leaves out, the same for every endpoint: gunicorn (socket, HTTP parsing, access log) and PostgreSQL's
own work, which http_intake.py measures as CPU per request.

The database is the one http_intake.py builds (``--build`` there); it is written to, so its name must contain
"bench".
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import http_intake  # noqa: E402  (run as a script, beside it)

WARMUP = 30  # requests before counting: imports, the routing index, the prepared statement
ENDPOINTS = ("bare", "bare_orm", "rest", "open311")
SERVICES = ("intake", "route")


def child(what: str, count: int, tmp: Path, key: str) -> None:
    """Runs under callgrind: WARMUP + ``count`` requests (or service calls), nothing else."""
    os.environ.update(http_intake.env_for(os.environ["DATABASE_URL"]))
    import django

    django.setup()
    lines = (tmp / f"{what if what in ENDPOINTS else 'rest'}.txt").read_text(encoding="utf-8").splitlines()
    if what in ENDPOINTS:
        from django.core.wsgi import get_wsgi_application

        app = get_wsgi_application()
        path, ctype, auth = http_intake.TARGETS[what]

        def one(i: int) -> None:
            body = lines[i % len(lines)].encode()
            environ = {
                "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "REMOTE_ADDR": "127.0.0.1",
                "HTTP_HOST": "127.0.0.1:8000", "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": ctype,
                "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
                "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
                "wsgi.run_once": False, "wsgi.version": (1, 0),
            }
            if auth:
                environ["HTTP_AUTHORIZATION"] = f"Token {key}"
            status = []
            response = app(environ, lambda s, headers, exc_info=None: status.append(s))
            b"".join(response)
            response.close()
            if not status[0].startswith(("200", "201")):
                raise SystemExit(f"{what}: {status[0]}")
    else:
        from wenming.cases.services.routing import case_route
        from wenming.cases.services.workflow import case_intake
        from wenming.org.models import Person

        person = Person.objects.get(username="shouli")
        posts = [json.loads(line) for line in lines]

        def one(i: int) -> None:
            d = posts[i % len(posts)]
            if what == "intake":
                case_intake(channel="api", description=d["description"], lng=d["lng"], lat=d["lat"],
                            category=d["category"], actor=person)
            else:
                case_route(lng=d["lng"], lat=d["lat"], category=d["category"])

    for i in range(WARMUP + count):
        one(i)


def instructions(what: str, count: int, tmp: Path, key: str, url: str) -> int:
    out = tmp / f"callgrind.{what}.{count}"
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__, "--child", what,
         str(count), str(tmp), key],
        env=http_intake.env_for(url), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(errors="replace"), re.MULTILINE)
    out.unlink()
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wenming_bench_http")
    parser.add_argument("--requests", type=int, default=300, help="requests counted per endpoint")
    parser.add_argument("--jobs", type=int, default=2, help="callgrind runs at once (counts do not depend on it)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, count, tmp, key = args.child
        child(what, int(count), Path(tmp), key)
        return
    if "bench" not in urlsplit(args.database_url).path:
        raise SystemExit("refusing: the database name must contain 'bench' (it is written to)")
    if subprocess.run(["which", "valgrind"], capture_output=True).returncode:
        raise SystemExit("valgrind is missing: apt-get install valgrind")
    tmp = Path(tempfile.mkdtemp(prefix="wenming-instr-bench-"))
    key = http_intake.prepare(args.database_url, tmp, 3000)["key"]
    targets = [*ENDPOINTS, *SERVICES]
    runs = [(what, count) for what in targets for count in (0, args.requests)]
    with ThreadPoolExecutor(args.jobs) as pool:
        counts = dict(zip(runs, pool.map(lambda r: instructions(*r, tmp, key, args.database_url), runs), strict=True))
    per = {what: (counts[what, args.requests] - counts[what, 0]) / args.requests for what in targets}
    # For an endpoint, the bare endpoint's count over its own: the throughput ratio if the application's work
    # were all there is. For a service, its part of a REST post.
    print("| measured | instructions per request (millions) | bare SQL / this, or share of a REST post |")
    print("|---|---|---|")
    for what in targets:
        if what in ENDPOINTS:
            print(f"| {what} | {per[what] / 1e6:.2f} | {per['bare'] / per[what]:.2f} |")
        else:
            print(f"| {what} (service alone) | {per[what] / 1e6:.2f} | {per[what] / per['rest']:.0%} of rest |")
    for path in tmp.iterdir():
        path.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    main()

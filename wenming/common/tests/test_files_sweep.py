"""The orphan-file sweep: files no row points to go once they are old enough; every referenced file stays."""

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models

from wenming.campaign.models import ProgressEvidence, Task
from wenming.campaign.services import tasks as campaign_svc
from wenming.cases.models import Evidence, ExposurePhoto
from wenming.cases.services import exposure as ex
from wenming.cases.services import workflow as wf
from wenming.cases.services.workflow import Upload
from wenming.common import files as files_mod
from wenming.common.models import AuditEvent
from wenming.common.services import files as sweep_mod
from wenming.common.services.files import files_sweep
from wenming.conftest import photo_bytes
from wenming.demo.campaign import campaign_demo_build
from wenming.org.models import Area

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_and_english")]
HOUR = dt.timedelta(hours=1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _age(path, hours: float = 2) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def _write(root, name: str, *, hours: float | None = 2):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 10)
    if hours is not None:
        _age(path, hours)
    return path


def _referenced() -> set[str]:
    """Every stored name in every FileField of every model (the variants of evidence included)."""
    names = set()
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if fields:
            for row in model._base_manager.values_list(*fields):
                names.update(n for n in row if n)
    return names


@pytest.fixture
def stored(people, tmp_path):
    """A case with its photo (original, shared copy, thumbnail) on the exposure board (a render), a campaign
    progress report with a photo and a PDF; every file two hours old."""
    grid = Area.objects.filter(level="grid", code__startswith="131102").order_by("code").first()
    case = wf.case_intake(channel="hotline", description="路口流动摊贩占道经营", lng=grid.lng, lat=grid.lat,
                          category="SJ0401", reporter_name="李四", reporter_phone="13812345678",
                          actor=people["shouli"], photos=[Upload("before.jpg", photo_bytes(fmt="JPEG", size=(200, 100)))])
    exposure = ex.exposure_save(case_id=case.pk, actor=people["zhiban"], headline="人民路口占道经营", summary="早高峰摊贩占道")
    before = case.evidence.get(kind="before")
    ex.exposure_photos_set(exposure_id=exposure.pk, actor=people["zhiban"], photos=[(before.pk, [[0, 0, .5, .5]])])
    campaign_demo_build()
    campaign_svc.progress_report(task_id=Task.objects.get(code="R05-1").pk, actor=people["chengguan"], value=3,
                                 narrative="新建3处", files=[campaign_svc.Upload("p.png", photo_bytes(pattern=2)),
                                                            campaign_svc.Upload("r.pdf", PDF)])
    names = _referenced()
    for name in names:
        _age(tmp_path / name)
    return names


def test_an_old_orphan_goes_a_young_one_stays_and_every_referenced_file_stays(stored, tmp_path):
    evidence = Evidence.objects.get()
    assert evidence.file and evidence.public_file and evidence.thumbnail
    assert ExposurePhoto.objects.get().rendered and ProgressEvidence.objects.count() == 2
    assert len(stored) == 6  # 3 evidence variants, 1 render, 2 progress files
    old = [_write(tmp_path, n) for n in ("evidence/999999/ab/ab12-0123456789abcdef.jpg", "evidence/public/x-1.jpg",
                                         "evidence/thumbs/x-2.jpg", "exposure/77/1-1-3.jpg", "progress/2026/01/w-4.pdf")]
    young = _write(tmp_path, "evidence/thumbs/new-5.jpg", hours=None)
    elsewhere = _write(tmp_path, "backups/keep.txt")  # a folder the app does not write: never looked at

    result = files_sweep(older_than=HOUR)

    assert [p for p in old if p.exists()] == []
    assert young.exists() and elsewhere.exists()
    assert all((tmp_path / n).is_file() for n in stored), "a referenced file was removed"
    # materials/: the online materials' files (evaluation.MaterialFile), swept like the others.
    assert result.folders == ["evidence/", "exposure/", "ledger/", "materials/", "progress/", "risk/evidence/",
                              "risk/plans/", "selections/", "storefront/", "targets/"]
    assert (result.files, result.referenced, result.young, result.orphans, result.removed, result.failed) == (12, 6, 1, 5, 5, 0)
    assert result.bytes_removed == 50
    entry = AuditEvent.objects.get(action="files.sweep")
    assert entry.data["removed"] == 5 and entry.data["young"] == 1 and "sample" not in entry.data
    assert "5 orphan files removed" in entry.summary


def test_older_than_zero_removes_every_orphan_and_no_referenced_file(stored, tmp_path):
    orphan = _write(tmp_path, "evidence/12/ab/new-6.jpg", hours=None)
    result = files_sweep(older_than=dt.timedelta(0))
    assert not orphan.exists() and result.removed == 1 and result.young == 0
    assert all((tmp_path / n).is_file() for n in stored)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_a_file_left_by_a_kill_9_before_the_commit_is_swept(stored, tmp_path):
    # A process writes a file inside a transaction and is killed before committing: no rollback runs, so the
    # file outlives it (what the fault test sees when a kill lands inside an intake), and only the sweep removes it.
    child = (
        "import os, signal, django; django.setup()\n"
        "from django.core.files.storage import default_storage\n"
        "from django.db import transaction\n"
        "from wenming.common.files import storage_save\n"
        "with transaction.atomic():\n"
        "    print(storage_save(storage=default_storage, name='evidence/424242/ab/killed.jpg', content=b'x'), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="wenming.settings", WENMING_TESTING="1",
               WENMING_MEDIA_ROOT=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'child.sqlite3'}")
    run = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == -signal.SIGKILL, run.stderr
    left = tmp_path / run.stdout.strip()
    assert left.is_file(), "the file went with the process: nothing for the sweep to do"
    assert files_sweep(older_than=HOUR).young == 1 and left.exists()  # its request might still be running
    _age(left)
    assert files_sweep(older_than=HOUR).removed == 1 and not left.exists()
    assert all((tmp_path / n).is_file() for n in stored)


def test_a_dry_run_removes_nothing(stored, tmp_path):
    orphan = _write(tmp_path, "progress/2026/01/w-4.pdf")
    result = files_sweep(older_than=HOUR, dry_run=True)
    assert orphan.exists() and result.orphans == 1 and result.removed == 0
    assert result.sample == ["progress/2026/01/w-4.pdf"]
    assert not AuditEvent.objects.filter(action="files.sweep").exists()


def test_nothing_to_remove_writes_no_audit_entry(stored):
    result = files_sweep(older_than=HOUR)
    assert result.orphans == 0 and result.referenced == 6
    assert not AuditEvent.objects.filter(action="files.sweep").exists()


def test_a_row_committed_after_the_snapshot_keeps_its_file(stored, tmp_path, monkeypatch):
    # As if every row were written after the sweep's snapshot: the query before each removal still finds them.
    monkeypatch.setattr(sweep_mod, "_referenced_snapshot", lambda columns: {0})
    result = files_sweep(older_than=HOUR)
    assert result.removed == 0 and result.referenced == 6
    assert all((tmp_path / n).is_file() for n in stored)


def test_a_database_that_names_no_file_removes_nothing(tmp_path):
    # A wrong DATABASE_URL or an empty restore would make every file an orphan.
    assert not _referenced()
    orphan = _write(tmp_path, "evidence/1/ab/ab-1.jpg")
    result = files_sweep(older_than=HOUR)
    assert result.no_rows and result.orphans == 1 and result.removed == 0 and orphan.exists()
    out = io.StringIO()
    call_command("files-sweep", stdout=out)
    assert "is this the database these files belong to? Nothing removed" in out.getvalue()
    assert orphan.exists()


@pytest.mark.parametrize("folder", ["", "/", "../etc", "a/../../b", ".hidden"])
def test_a_folder_outside_the_storage_cannot_be_registered(folder):
    with pytest.raises(ValueError):
        files_mod.stored_files_register(folders=[folder])


def test_the_command_prints_its_counts(stored, tmp_path):
    orphan = _write(tmp_path, "exposure/77/1-1-3.jpg")
    young = _write(tmp_path, "exposure/77/1-2-3.jpg", hours=None)
    out = io.StringIO()
    call_command("files-sweep", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "exposure/77/1-1-3.jpg" in text and "Dry run, nothing removed" in text
    assert ("8 files in evidence/, exposure/, ledger/, materials/, progress/, risk/evidence/, risk/plans/, selections/, "
            "storefront/, targets/: "
            "6 referenced, "
            "1 without a row but newer than 60 minutes") in text
    assert orphan.exists()

    out = io.StringIO()
    call_command("files-sweep", "--older-than-minutes", "30", stdout=out)
    assert "1 orphans; 1 removed (10\xa0bytes), 0 could not be removed." in out.getvalue()
    assert not orphan.exists() and young.exists()

    with pytest.raises(CommandError, match="between 0 and"):
        call_command("files-sweep", "--older-than-minutes", "-1")

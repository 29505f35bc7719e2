import functools

import pytest


@functools.cache
def demo_bytes(year: int = 2026) -> bytes:
    from wenming.evaluation.data.demo_edition import demo_edition_sheets
    from wenming.evaluation.services.workbook import workbook_bytes

    return workbook_bytes(demo_edition_sheets(year))


def workbook(tmp_path, sheets: dict, name: str = "edition.xlsx", order=None):
    """A workbook file from rows by sheet key (the import's layout)."""
    from wenming.evaluation.services.imports import SHEETS
    from wenming.evaluation.services.workbook import workbook_bytes

    path = tmp_path / name
    path.write_bytes(workbook_bytes(sheets, order=order or SHEETS))
    return path


@pytest.fixture
def demo_sheets():
    """The 2026 demo edition's rows, a fresh copy to break."""
    from wenming.evaluation.data.demo_edition import demo_edition_sheets

    return demo_edition_sheets(2026)


@pytest.fixture
def demo_framework(db):
    """The demo editions, the evaluation office (ceping) and the demo responsibility matrix."""
    from wenming.demo.evaluation import evaluation_demo_build

    evaluation_demo_build()
    from wenming.evaluation.models import Edition

    return Edition.objects.get(code="DEMO-2026")


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """Pages in English so tests match their messages (the UI answers in Chinese by default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

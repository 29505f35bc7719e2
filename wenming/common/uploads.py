"""Uploads on any form: several photos from one file input, and the one rule for a set of them (count, sizes, what
each file's header declares) that the web forms and the REST API share."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from wenming.common.files import display_name
from wenming.common.images import ImageRefused, image_check


@contextmanager
def upload_spooled(upload, *, suffix: str | None = None) -> Iterator[Path]:
    """An uploaded file as a path on disk, for the streamed importers that reopen it by name (CSV, XLSX), with its
    own suffix unless told; the file is removed when the block ends."""
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower() if suffix is None else suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)


class TabularFileField(forms.FileField):
    """The file of an import page: a workbook or a CSV, known by its name's suffix (the importer then reads what it
    really is), and no larger than ``max_bytes`` when the import has a limit. The file picker offers the suffixes."""

    def __init__(self, *, suffixes: tuple[str, ...] = (".xlsx", ".csv"), max_bytes: int | None = None, **kwargs):
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ",".join(suffixes)}))
        super().__init__(**kwargs)
        self.suffixes, self.max_bytes = suffixes, max_bytes

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload is None:
            return upload
        if not upload.name.lower().endswith(self.suffixes):
            raise forms.ValidationError(_("Use an .xlsx workbook.") if self.suffixes == (".xlsx",)
                                        else _("Use a .xlsx or a .csv (UTF-8) file."))
        if self.max_bytes is not None and upload.size > self.max_bytes:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB; split it.") % {
                "mb": self.max_bytes // 2**20})
        return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _upload_help(max_files: int | None) -> str:
    n = max_files or settings.WENMING_MAX_PHOTOS
    return _("At most %(n)d files, each up to %(size)s.") % {"n": n, "size": filesizeformat(settings.WENMING_MAX_UPLOAD_BYTES)}


class PhotosField(forms.FileField):
    """Several photos from one file input, at most ``max_files`` (settings.WENMING_MAX_PHOTOS), each and all
    together within the byte limits. Counts and sizes are checked from what Django already knows (uploads
    above 2.5 MB wait in a temporary file), so nothing is read into memory here; the evidence service then
    checks what each file really is."""

    allow_pdf = False
    too_many = _("%(field)s: at most %(n)d photos; %(given)d were chosen.")

    def __init__(self, *args, max_files: int | None = None, **kwargs):
        self.max_files = max_files
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("label", _("Photos"))
        kwargs.setdefault("help_text", lazy(_upload_help, str)(max_files))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        photos_check(files, field=self.label, max_files=self.max_files, too_many=self.too_many, allow_pdf=self.allow_pdf)
        return files


def photos_check(files, *, field, max_files: int | None = None, too_many=PhotosField.too_many,
                 allow_pdf: bool = False) -> None:
    """The web forms' rule for a set of uploads, shared with the REST API: at most ``max_files``
    (settings.WENMING_MAX_PHOTOS), each and all together within the byte limits, each a photo (or PDF) whose header
    declares no more pixels than allowed. Sizes are what Django already knows; only headers are read. Raises a
    ValidationError whose message starts with the field's label."""
    most = max_files or settings.WENMING_MAX_PHOTOS
    if len(files) > most:
        raise forms.ValidationError(too_many % {"field": field, "n": most, "given": len(files)}, code="max_files")
    limit = settings.WENMING_MAX_UPLOAD_BYTES
    for upload in files:
        if upload.size > limit:
            raise forms.ValidationError(
                _("%(field)s: %(name)s is %(size)s; the limit is %(limit)s.")
                % {"field": field, "name": display_name(upload.name), "size": filesizeformat(upload.size),
                   "limit": filesizeformat(limit)}, code="max_size")
    total, total_limit = sum(upload.size for upload in files), settings.WENMING_MAX_UPLOAD_TOTAL_BYTES
    if total > total_limit:
        raise forms.ValidationError(_("%(field)s: the files add up to %(size)s; the limit is %(limit)s together.")
                                    % {"field": field, "size": filesizeformat(total), "limit": filesizeformat(total_limit)},
                                    code="max_total")
    for upload in files:  # the header only: a 389 KB PNG may declare 400 million pixels
        try:
            image_check(file=upload, name=upload.name, allow_pdf=allow_pdf)
        except ImageRefused as exc:
            raise forms.ValidationError(_("%(field)s: %(error)s") % {"field": field, "error": exc}, code="image") from None

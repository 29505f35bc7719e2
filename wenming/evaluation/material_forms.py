"""Forms of the online materials' pages: they read and bound the input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.common.files import upload_read
from wenming.common.input import BoundedDateField
from wenming.common.uploads import MultipleFileInput, TabularFileField
from wenming.evaluation.models import MaterialFormat, MaterialGrade, MaterialKind, MaterialState
from wenming.evaluation.services.material_checks import HARD_MAX_BYTES
from wenming.evaluation.services.materials import MAX_FILES, MaterialUpload
from wenming.org.models import Unit

IMPORT_MAX_BYTES = 5 * 2**20
# What one submission may carry in all (each file is also held to its requirement's limit by the checks).
SUBMISSION_MAX_BYTES = 100 * 2**20


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class StepForm(forms.Form):
    """One step of the review table: the version the page showed, and what the step takes."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(label=_("Comments"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    grade = forms.ChoiceField(label=_("Quality grade"), required=False,
                              choices=[("", "—"), *MaterialGrade.choices])
    files = MultipleFileField(label=_("Files"), required=False)

    def uploads(self) -> list[MaterialUpload]:
        """The chosen files' bytes; a file larger than the hard limit is refused here, before it is read whole."""
        found, total = [], 0
        for upload in self.cleaned_data.get("files") or []:
            if len(found) >= MAX_FILES:
                raise forms.ValidationError(_("Files: at most %(count)d in one submission.") % {"count": MAX_FILES})
            content = upload_read(upload, limit=HARD_MAX_BYTES)
            if content is None:
                raise forms.ValidationError(_("%(name)s is larger than %(mb)d MB.") % {
                    "name": upload.name[:80], "mb": HARD_MAX_BYTES // 2**20})
            total += len(content)
            if total > SUBMISSION_MAX_BYTES:
                raise forms.ValidationError(_("The files together are larger than %(mb)d MB: submit fewer at once.")
                                            % {"mb": SUBMISSION_MAX_BYTES // 2**20})
            found.append(MaterialUpload(name=upload.name, content=content))
        return found


class WindowForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    opens_at = forms.DateTimeField(label=_("Opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=_("Closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class RequirementForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    kind = forms.ChoiceField(label=_("Kind"), choices=MaterialKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What to submit"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    required_count = forms.IntegerField(label=_("Files required"), min_value=1, max_value=MAX_FILES, initial=1)
    formats = forms.MultipleChoiceField(label=_("Allowed formats (none: the kind's usual ones)"), required=False,
                                        choices=MaterialFormat.choices, widget=forms.CheckboxSelectMultiple)
    max_size_mb = forms.IntegerField(label=_("Largest file (MB)"), min_value=1, max_value=50, initial=20)
    min_side_px = forms.IntegerField(label=_("Least image resolution (shorter side, px)"), required=False,
                                     min_value=1, max_value=20000)
    due_on = BoundedDateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    use_criterion_units = forms.BooleanField(label=_("The criterion's lead and responsible units"), required=False,
                                             initial=True)
    lead_unit = forms.ModelChoiceField(label=_("Lead unit (牵头单位)"), queryset=Unit.objects.order_by("path"),
                                       required=False)
    responsible_units = forms.ModelMultipleChoiceField(label=_("Responsible units (责任单位)"), required=False,
                                                       queryset=Unit.objects.order_by("path"))


class RequirementImportForm(forms.Form):
    file = TabularFileField(label=_("Requirement list (.xlsx or .csv)"), max_bytes=IMPORT_MAX_BYTES)
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False, initial=True)


BOARD_STATES = [("", _("All states")), ("missing", MaterialState.MISSING.label),
                ("submitted", _("Waiting for review")), ("returned", MaterialState.RETURNED.label),
                ("approved", MaterialState.APPROVED.label), ("overdue", pgettext_lazy("materials", "Overdue"))]


class DrillForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=BOARD_STATES)
    unit = forms.IntegerField(required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput)
    domain = forms.IntegerField(required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput)
    criterion = forms.IntegerField(required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search title or code"), required=False, max_length=100)

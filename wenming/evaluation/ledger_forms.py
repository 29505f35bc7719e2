"""Forms of the ledger (台账) pages and the 回头看 rounds. Shape only: the services check the rest."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.campaign.models import Campaign
from wenming.common.input import BoundedDateField, date_in_bounds
from wenming.common.uploads import MultipleFileInput, PhotosField
from wenming.evaluation.ledger_selectors import NOT_ASSESSED
from wenming.evaluation.models import AssessmentPeriod, Domain, LedgerStatus
from wenming.evaluation.services.ledger import MAX_CASES, MAX_NOTE, ItemResult

DATE = forms.DateInput(attrs={"type": "date"})


class EvidenceField(PhotosField):
    """Documents (PDF) and photos, checked like every upload (count, sizes, what each file really is)."""

    allow_pdf = True
    too_many = _("%(field)s: at most %(n)d files; %(given)d were chosen.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("label", _("Evidence (documents, photos)"))
        super().__init__(*args, **kwargs)


class PeriodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50, help_text=_("e.g. 2026年第四季度"))
    starts_on = BoundedDateField(label=_("Starts on"), widget=DATE)
    ends_on = BoundedDateField(label=_("Ends on"), widget=DATE)


class LedgerFilterForm(forms.Form):
    period = forms.ModelChoiceField(label=_("Period"), queryset=AssessmentPeriod.objects.none(), required=False,
                                    empty_label=None)
    domain = forms.ModelChoiceField(label=_("Domain"), queryset=Domain.objects.none(), required=False,
                                    empty_label=_("All domains"))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), *LedgerStatus.choices, (NOT_ASSESSED, _("Not assessed yet"))])
    q = forms.CharField(label=_("Search code or text"), required=False, max_length=100)

    def __init__(self, *args, edition=None, **kwargs):
        super().__init__(*args, **kwargs)
        if edition is not None:
            self.fields["period"].queryset = AssessmentPeriod.objects.filter(edition=edition).order_by("-starts_on")
            self.fields["domain"].queryset = Domain.objects.filter(edition=edition).order_by("-kind", "sort", "code")


class AssessForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    status = forms.ChoiceField(label=_("Status"), choices=LedgerStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3}))
    cases = forms.CharField(label=_("Linked cases (numbers)"), required=False, max_length=600,
                            help_text=_("Case numbers separated by spaces or commas."))
    inspection_results = forms.CharField(label=_("Inspection results"), required=False, max_length=MAX_NOTE,
                                         widget=forms.Textarea(attrs={"rows": 2}))
    files = EvidenceField(required=False)

    def clean_cases(self):
        raw = self.cleaned_data["cases"].strip()
        parts = [p for p in re.split(r"[\s,，、;；]+", raw) if p]
        if any(not p.isdigit() or len(p) > 12 for p in parts):
            raise forms.ValidationError(_("Linked cases: write case numbers only, separated by spaces or commas."))
        if len(parts) > MAX_CASES:
            raise forms.ValidationError(_("Linked cases: at most %(n)d.") % {"n": MAX_CASES})
        return [int(p) for p in parts]


class RoundOpenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("e.g. 2026年第四季度全面回头看"))
    period = forms.ModelChoiceField(label=_("Period"), queryset=AssessmentPeriod.objects.none())
    domain = forms.ModelChoiceField(label=_("Scope"), queryset=Domain.objects.none(), required=False,
                                    empty_label=_("The whole edition"))
    campaign = forms.ModelChoiceField(label=_("Campaign of the measures"), queryset=Campaign.objects.none())
    measure_due_on = BoundedDateField(label=_("Deadline of the measures"), widget=DATE)
    include_partly = forms.BooleanField(label=_("Measures for partly met items too"), required=False)

    def __init__(self, *args, edition=None, **kwargs):
        super().__init__(*args, **kwargs)
        if edition is not None:
            self.fields["period"].queryset = AssessmentPeriod.objects.filter(edition=edition).order_by("-starts_on")
            self.fields["domain"].queryset = Domain.objects.filter(edition=edition).order_by("-kind", "sort", "code")
        self.fields["campaign"].queryset = Campaign.objects.order_by("-starts_on")


def round_results_from_post(data, items) -> tuple[dict[int, ItemResult], list[str]]:
    """The bulk form's rows (``status-<id>``, ``note-<id>``, ``due-<id>``, ``v-<id>`` per item shown): the
    results to record, and the problems by criterion code. Rows left without a result are skipped."""
    results: dict[int, ItemResult] = {}
    errors: list[str] = []
    for item in items:
        status = data.get(f"status-{item.pk}", "")
        if not status:
            continue
        code = item.criterion.code
        if status not in LedgerStatus.values:
            errors.append(_("%(code)s: choose a result.") % {"code": code})
            continue
        version = data.get(f"v-{item.pk}", "")
        if not version.isdigit():
            errors.append(_("%(code)s: reload the page and repeat.") % {"code": code})
            continue
        due = None
        raw_due = data.get(f"due-{item.pk}", "").strip()
        if raw_due:
            field = forms.DateField()
            try:
                due = date_in_bounds(field.clean(raw_due), label=str(_("Deadline")))
            except forms.ValidationError as exc:
                errors.append(f"{code}: {' '.join(exc.messages)}")
                continue
        note = data.get(f"note-{item.pk}", "")
        if len(note) > MAX_NOTE:
            errors.append(_("%(code)s: the note is too long.") % {"code": code})
            continue
        results[item.pk] = ItemResult(status=status, expected_version=int(version), note=note, due_on=due)
    return results, errors

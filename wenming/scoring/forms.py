from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wenming.campaign.models import Task
from wenming.cases.models import Case
from wenming.common.access import restrict
from wenming.common.input import BoundedDateField, db_id
from wenming.org.models import Person, Unit
from wenming.scoring.models import AccountabilityKind, AccountabilityStatus, Period, Subject
from wenming.scoring.services.boards import MAX_SIZE
from wenming.scoring.task_selectors import tasks_of_unit


def field_errors(form: forms.Form) -> list[str]:
    """Each error of a form as one line that names its field (for pages that answer with messages)."""
    return [str(error) if name == "__all__" else gettext("%(field)s: %(error)s") % {"field": form.fields[name].label,
                                                                                     "error": error}
            for name, errors in form.errors.items() for error in errors]


class RowsField(forms.ModelMultipleChoiceField):
    """Rows chosen by id; an id no row can have (a 40-digit one, which SQLite cannot even compare) is refused
    before the query."""

    def _check_values(self, value):
        for pk in value:
            if db_id(pk) is None:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": pk})
        return super()._check_values(value)


class SnapshotComputeForm(forms.Form):
    subject = forms.ChoiceField(label=_("Evaluated"), choices=Subject.choices)
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices)
    # Empty: today. The range is the service's (scores.day_bounds), which names the field too.
    day = forms.DateField(label=_("A day in the period"), required=False,
                          error_messages={"invalid": _("enter a date as YYYY-MM-DD.")})


class BoardDraftForm(forms.Form):
    size = forms.IntegerField(label=_("Entries per list"), required=False, min_value=1, max_value=MAX_SIZE,
                              error_messages={"invalid": _("enter a whole number.")})


class AccountabilityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AccountabilityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    people = RowsField(label=_("People"), queryset=Person.objects.none(), required=False)
    cases = forms.CharField(label=_("Case ids"), required=False, help_text=_("Row ids, separated by commas."))
    findings = forms.CharField(label=_("Inspection findings"), required=False, max_length=500,
                               help_text=_("Finding numbers from a round's follow-up page, separated by commas."))
    # Offered once the unit is known (from 据此问责, or the form sent back): only the tasks it leads or cooperates on.
    tasks = RowsField(label=_("Tasks"), queryset=Task.objects.none(), required=False,
                      widget=forms.CheckboxSelectMultiple,
                      help_text=_("Listed for the unit of a 据此问责 link on a unit's score explanation."))
    due_date = BoundedDateField(label=_("Follow-up due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = restrict(Unit.objects.filter(is_active=True), user)
        self.fields["people"].queryset = restrict(Person.objects.filter(unit__isnull=False), user)
        unit_id = db_id(self.data.get("unit") if self.is_bound else self.initial.get("unit"))
        unit = self.fields["unit"].queryset.filter(pk=unit_id).first() if unit_id else None
        self.fields["tasks"].queryset = tasks_of_unit(unit, user)
        if unit is not None:
            self.fields["tasks"].help_text = _("The tasks %(unit)s leads or cooperates on.") % {"unit": unit.name}

    def clean_cases(self):
        raw = [part.strip() for part in (self.cleaned_data.get("cases") or "").replace("，", ",").split(",") if part.strip()]
        # db_id, not isdigit: "²".isdigit() is true, and a 40-digit id is more than SQLite can compare.
        ids = [db_id(part) for part in raw]
        if None in ids:
            raise forms.ValidationError(_("Case ids: give whole numbers separated by commas."))
        found = list(restrict(Case.objects.filter(pk__in=ids), self.user))
        missing = sorted(set(ids) - {c.pk for c in found})
        if missing:
            raise forms.ValidationError(_("Case ids: no such case %(ids)s.") % {"ids": ", ".join(map(str, missing))})
        return found

    def clean_findings(self):
        raw = [p.strip() for p in (self.cleaned_data.get("findings") or "").replace("，", ",").split(",") if p.strip()]
        ids = [db_id(part) for part in raw]
        if None in ids:
            raise forms.ValidationError(_("Inspection findings: give finding numbers separated by commas."))
        return ids


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("Follow-up note"), widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("unchanged"))] + list(AccountabilityStatus.choices))
    due_date = BoundedDateField(label=_("New due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

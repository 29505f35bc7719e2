from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import Case
from wenming.common.access import restrict
from wenming.org.models import Person, Unit
from wenming.scoring.models import AccountabilityKind, AccountabilityStatus


class AccountabilityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AccountabilityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    people = forms.ModelMultipleChoiceField(label=_("People"), queryset=Person.objects.none(), required=False)
    cases = forms.CharField(label=_("Case ids"), required=False, help_text=_("Row ids, separated by commas."))
    due_date = forms.DateField(label=_("Follow-up due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["unit"].queryset = restrict(Unit.objects.filter(is_active=True), user)
        self.fields["people"].queryset = restrict(Person.objects.filter(unit__isnull=False), user)

    def clean_cases(self):
        raw = [part.strip() for part in (self.cleaned_data.get("cases") or "").replace("，", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in raw):
            raise forms.ValidationError(_("Case ids: give whole numbers separated by commas."))
        ids = [int(part) for part in raw]
        found = list(restrict(Case.objects.filter(pk__in=ids), self.user))
        missing = sorted(set(ids) - {c.pk for c in found})
        if missing:
            raise forms.ValidationError(_("Case ids: no such case %(ids)s.") % {"ids": ", ".join(map(str, missing))})
        return found


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("Follow-up note"), widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("unchanged"))] + list(AccountabilityStatus.choices))
    due_date = forms.DateField(label=_("New due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

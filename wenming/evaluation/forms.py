from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.campaign.models import Task, TaskForce
from wenming.cases.models import Category
from wenming.common.uploads import TabularFileField
from wenming.evaluation.models import CriterionKind, Edition, Method
from wenming.evaluation.services.responsibility import MAX_RADIUS_M
from wenming.org.models import SiteType, Unit

IMPORT_MAX_BYTES = 10 * 2**20


class ImportForm(forms.Form):
    EDITION, RESPONSIBILITY = "edition", "responsibility"
    what = forms.ChoiceField(label=_("What to import"), widget=forms.RadioSelect, initial=EDITION, choices=[
        (EDITION, _("A new edition of the framework (its 责任分工 sheet too, if it has one)")),
        (RESPONSIBILITY, _("Only the 责任分工 sheet, for an edition already loaded")),
    ])
    edition = forms.ModelChoiceField(label=_("Edition (for the 责任分工 sheet)"), queryset=Edition.objects.none(),
                                     required=False, to_field_name="code")
    file = TabularFileField(label=_("Workbook (.xlsx)"), suffixes=(".xlsx",), max_bytes=IMPORT_MAX_BYTES)
    dry_run = forms.BooleanField(label=_("Check only (write nothing)"), required=False, initial=True)

    def __init__(self, *args, editions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].queryset = editions if editions is not None else Edition.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("what") == self.RESPONSIBILITY and not data.get("edition"):
            self.add_error("edition", _("Choose the edition the 责任分工 sheet is for."))
        return data


class TreeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search code or text"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *CriterionKind.choices])
    method = forms.ChoiceField(label=_("Evaluation method"), required=False,
                               choices=[("", _("All methods")), *Method.choices])
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, to_field_name="code", empty_label=_("All units"),
                                  queryset=Unit.objects.filter(is_active=True).order_by("path"))
    unassigned = forms.BooleanField(label=_("Without a lead unit"), required=False)


class CompareForm(forms.Form):
    old = forms.ModelChoiceField(label=_("Older edition"), queryset=Edition.objects.none(), to_field_name="code")
    new = forms.ModelChoiceField(label=_("Newer edition"), queryset=Edition.objects.none(), to_field_name="code")

    def __init__(self, *args, editions=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("old", "new"):
            self.fields[name].queryset = editions if editions is not None else Edition.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("old") and data.get("old") == data.get("new"):
            self.add_error("new", _("Choose two different editions."))
        return data


class ResponsibilityForm(forms.Form):
    """Who answers for one criterion; ``version`` is the one the page showed (an older form is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    lead_unit = forms.ModelChoiceField(label=_("Lead unit (牵头单位)"), required=False,
                                       queryset=Unit.objects.filter(is_active=True).order_by("path"))
    responsible_units = forms.ModelMultipleChoiceField(
        label=_("Responsible units (责任单位)"), required=False,
        queryset=Unit.objects.filter(is_active=True).order_by("path"),
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."))
    leader_name = forms.CharField(label=_("City leader in charge (包联领导)"), required=False, max_length=50)
    leader_post = forms.CharField(label=_("Leader's post"), required=False, max_length=100)
    task_force = forms.ModelChoiceField(label=_("Task force"), required=False,
                                        queryset=TaskForce.objects.order_by("campaign", "sort", "code"))
    tasks = forms.ModelMultipleChoiceField(label=_("Campaign tasks"), required=False,
                                           queryset=Task.objects.order_by("campaign", "kind", "sort", "code"),
                                           widget=forms.SelectMultiple(attrs={"size": 8}))
    categories = forms.ModelMultipleChoiceField(
        label=_("Case categories"), required=False,
        queryset=Category.objects.filter(is_active=True, parent__isnull=False).order_by("code"),
        widget=forms.SelectMultiple(attrs={"size": 8}))
    site_types = forms.ModelMultipleChoiceField(label=_("Site types"), required=False,
                                                queryset=SiteType.objects.order_by("sort", "code"),
                                                widget=forms.CheckboxSelectMultiple)
    radius_m = forms.IntegerField(label=_("Radius around its sites (m)"), required=False, min_value=0,
                                  max_value=MAX_RADIUS_M)
    note = forms.CharField(label=_("Note for the history"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        lead, shared = data.get("lead_unit"), data.get("responsible_units")
        if lead is not None and shared and lead in shared:
            self.add_error("responsible_units", _("The lead unit is responsible anyway: leave it out of this list."))
        return data

"""Forms for intake, the workbench filters and every action on the case page. They validate input only;
the services decide whether the step is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.cases.models import (
    CaseState,
    Category,
    Channel,
    EscalationLevel,
    FollowUpRating,
    TimeUnit,
    Urgency,
)
from wenming.cases.services import escalation as esc
from wenming.cases.services.errors import WorkflowError
from wenming.cases.services.workflow import extension_check
from wenming.common.access import restrict
from wenming.common.input import BoundedDateField, IdField, db_id
from wenming.common.uploads import PhotosField, TabularFileField, photos_check  # noqa: F401 (photos_check: the REST API imports it here)
from wenming.org.forms import CRS_CHOICES
from wenming.org.models import Area, AreaLevel, Unit

REASON_REQUIRED = _("Give a reason.")


class CategoryField(forms.ChoiceField):
    """A select of the active 小类, grouped under their 大类; cleans to the Category itself."""

    def __init__(self, *args, blank_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.blank_label = blank_label
        self._by_code: dict[str, Category] | None = None

    def load(self) -> None:
        minors = Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent").order_by("code")
        self._by_code, groups = {}, {}
        for category in minors:
            self._by_code[category.code] = category
            groups.setdefault(str(category.parent), []).append((category.code, str(category)))
        self.choices = [("", self.blank_label or "---------"), *groups.items()]

    def prepare_value(self, value):
        return value.code if isinstance(value, Category) else value

    def to_python(self, value):
        return "" if value in self.empty_values else str(value)

    def validate(self, value):
        super().validate(value)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        return self._by_code[code]


class CategoryFormMixin:
    def _load_categories(self):
        for field in self.fields.values():
            if isinstance(field, CategoryField):
                field.load()


class IntakeForm(CategoryFormMixin, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    category = CategoryField(label=_("Category"))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    crs = forms.ChoiceField(label=_("Coordinate system"), choices=CRS_CHOICES, initial="wgs84")
    reporter_name = forms.CharField(label=_("Reporter name"), required=False, max_length=50)
    reporter_phone = forms.RegexField(
        label=_("Reporter phone"), required=False, regex=r"^(1\d{10}|0\d{2,3}-?\d{7,8})$",
        error_messages={"invalid": _("Enter a mobile number or a landline like 0318-2123456.")},
    )
    photos = PhotosField(required=False)

    def __init__(self, *args, channels: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_categories()
        for name in ("lat", "lng"):
            self.fields[name].widget.attrs["step"] = "any"
        if channels is not None:  # only the reporter's own channels are offered (and accepted)
            field = self.fields["channel"]
            field.choices = [(value, label) for value, label in Channel.choices if value in channels]
            field.error_messages["invalid_choice"] = _("Channel: your roles do not report on “%(value)s”.")
            if channels and field.initial not in channels:
                self.initial.setdefault("channel", channels[0])


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *CaseState.choices])
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.filter(is_active=True).order_by("code"),
        to_field_name="code",
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices])
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=Unit.objects.none(), to_field_name="code")
    reported_from = BoundedDateField(label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reported_to = BoundedDateField(label=_("Reported until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # An area code (a grid, a street…): the heat map's click on a grid opens the workbench with it. A text field,
    # not a list: a city has up to 60,000 grids.
    area = forms.CharField(label=_("Area code"), required=False, max_length=20)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Only units the person may see are offered (and accepted).
        self.fields["unit"].queryset = restrict(Unit.objects.filter(is_active=True), user).order_by("path")

    def clean_area(self) -> Area | None:
        code = self.cleaned_data["area"].strip()
        if not code:
            return None
        # Only areas in the person's scope: another area's code reads as unknown, as a missing one does.
        area = restrict(Area.objects.filter(code=code), self.user).defer("geometry").first()
        if area is None:
            raise forms.ValidationError(_("No area in your scope has this code."))
        return area


# -- actions on the case page: each is posted with the case version the person saw -----------------------

class ActionForm(forms.Form):
    """Every action carries the case version the page showed, passed to the service as ``expected_version``."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    # Two-way decisions are posted by one of two buttons: (field, value, label, style).
    buttons: tuple = ()
    decision_field = ""

    def decision_value(self):
        return self.cleaned_data.get(self.decision_field) if self.decision_field else None


class ReasonForm(ActionForm):
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                           error_messages={"required": REASON_REQUIRED})


class RegisterForm(CategoryFormMixin, ActionForm):
    category = CategoryField(label=_("Category"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_categories()


class UnitChoiceField(forms.ModelChoiceField):
    """An active unit, offered grouped by district with the suggested one (the routed unit) first.

    A plain ``<select>`` that works without scripts; ``cases.js`` puts a search box before it (part of the name or
    the code, shown in every option) for a city of hundreds of units. Validation is ``ModelChoiceField``'s: any
    active unit, by id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Unit.objects.filter(is_active=True).order_by("path"))
        kwargs.setdefault("empty_label", _("— choose a unit —"))
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({
            "data-unit-search": "", "data-search-label": _("Search units (part of the name or code)"),
            "data-search-placeholder": _("Type part of a name or code"),
            "data-count": _("%(n)s units match"), "data-none": _("No unit matches."),
        })

    def label_from_instance(self, unit: Unit) -> str:
        return f"{unit.name} · {unit.code}"

    def to_python(self, value):
        # An id as the page wrote it (ASCII digits, ``db_id``): "٣" is not unit 3.
        if value not in self.empty_values and db_id(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def group(self, *, suggested_id: int | None = None) -> None:
        """Offer the units under their district (city-wide ones first), the suggested one alone at the top. One
        query for the units, one for the districts, on the page that shows the form only."""
        units = list(self.queryset.select_related("area"))
        districts = list(Area.objects.filter(level=AreaLevel.COUNTY).order_by("code").values_list("path", "name"))
        groups: dict[str, list] = {str(_("City-wide units")): []}
        groups.update({name: [] for _path, name in districts})
        top = []
        for unit in units:
            option = (unit.pk, self.label_from_instance(unit))
            if unit.pk == suggested_id:
                top.append(option)
                continue
            area_path = unit.area.path if unit.area_id else ""
            district = next((name for path, name in districts if area_path.startswith(path)), None)
            groups[district or str(_("City-wide units"))].append(option)
        choices = [("", self.empty_label)] if self.empty_label is not None else []
        if top:
            choices.append((str(_("Suggested by routing")), top))
        choices += [(label, options) for label, options in groups.items() if options]
        self.widget.choices = choices


class UnitChoiceFormMixin:
    """Forms with a unit chooser: ``suggested`` (a unit id) is offered first."""

    def __init__(self, *args, suggested: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].group(suggested_id=suggested)


class DispatchForm(UnitChoiceFormMixin, ActionForm):
    unit = UnitChoiceField(label=_("Unit"))
    field_order = ["version", "unit", "note"]


class RedispatchForm(UnitChoiceFormMixin, ReasonForm):
    unit = UnitChoiceField(label=_("New unit"))
    field_order = ["version", "unit", "note"]


class BatchDispatchForm(UnitChoiceFormMixin, forms.Form):
    """The workbench's batch dispatch: the ticked cases, each to its routed unit unless one unit is chosen."""

    unit = UnitChoiceField(label=_("Dispatch to"), required=False, empty_label=_("each case's routed unit"))


def _yes_no(label):
    return forms.TypedChoiceField(label=label, coerce=lambda v: v == "yes", choices=[("yes", "yes"), ("no", "no")],
                                  widget=forms.HiddenInput)


class DecisionForm(ActionForm):
    approve = _yes_no(_("Decision"))
    decision_field = "approve"
    buttons = (("approve", "yes", _("Approve"), ""), ("approve", "no", _("Refuse"), "secondary"))


class ExtensionForm(ReasonForm):
    amount = forms.DecimalField(label=_("How much more time"), min_value=0.25, max_digits=6, decimal_places=2)
    time_unit = forms.ChoiceField(label=_("Unit"), choices=TimeUnit.choices, initial=TimeUnit.WORKING_DAYS)
    field_order = ["version", "amount", "time_unit", "note"]

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and data.get("time_unit"):
            try:  # the service's bound, shown on the field before anything is posted to it
                extension_check(amount=data["amount"], unit=data["time_unit"])
            except WorkflowError as exc:
                self.add_error("amount", str(exc))
        return data


class SubmitForm(ActionForm):
    photos = PhotosField(label=_("After-photos"),
                         error_messages={"required": _("Attach at least one after-photo of the rectification.")})


class VerifyForm(ActionForm):
    passed = _yes_no(_("Result"))
    photos = PhotosField(required=False)
    decision_field = "passed"
    buttons = (("passed", "yes", _("Rectified"), ""), ("passed", "no", _("Not rectified: rework"), "secondary"))


class CallbackForm(ActionForm):
    """电话回访: posted by one of two buttons, the citizen reached (with their rating) or not (the attempt logged)."""

    reached = _yes_no(_("Reached"))
    rating = forms.ChoiceField(label=_("Rating"), choices=FollowUpRating.choices, required=False,
                               widget=forms.RadioSelect)
    fixed = forms.TypedChoiceField(label=_("Is the problem fixed, says the citizen?"), required=False,
                                   coerce=lambda v: v == "yes", empty_value=None, widget=forms.RadioSelect,
                                   choices=[("yes", _("Fixed")), ("no", _("Not fixed"))])
    note = forms.CharField(label=_("What the citizen said (or why not reached)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    decision_field = "reached"
    buttons = (("reached", "yes", _("Reached: record the rating"), ""),
               ("reached", "no", _("Not reached: log the attempt"), "secondary"))
    field_order = ["version", "fixed", "rating", "note"]  # the public rating form's order: fixed?, then how satisfied

    def clean(self):
        data = super().clean()
        if data.get("reached"):  # the rating and the answer are asked only of a citizen who was reached
            if not data.get("rating"):
                self.add_error("rating", _("Rating: choose what the citizen said."))
            if data.get("fixed") is None:
                self.add_error("fixed", _("Fixed: choose what the citizen said."))
            elif data["fixed"] is False and not (data.get("note") or "").strip():
                self.add_error("note", _("Say what is still not fixed."))
        return data


class MergeForm(ActionForm):
    into = IdField(label=_("Case"), widget=forms.HiddenInput)


class NoticeForm(ActionForm):
    demand = forms.CharField(label=_("What the unit must do"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)
    # The service's bounds (escalation.NOTICE_HOURS_*), so the form names the field before the service refuses.
    hours = forms.DecimalField(label=_("Answer within (working hours)"), min_value=esc.NOTICE_HOURS_MIN,
                               max_value=esc.NOTICE_HOURS_MAX, initial=4, max_digits=6, decimal_places=1)
    # 黄牌 or 红牌; the page offers the case's own level first (escalation.notice_level_default).
    # Left out, the service takes the case's level.
    level = forms.TypedChoiceField(label=_("Level"), coerce=int, required=False, empty_value=None,
                                   choices=[(int(v), EscalationLevel(v).label) for v in esc.NOTICE_LEVELS])
    field_order = ["version", "level", "demand", "hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]


class AnswerForm(ActionForm):
    notice = IdField(label=_("Supervision notice"), widget=forms.HiddenInput)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["note"]


class NoticeCloseForm(ActionForm):
    notice = IdField(label=_("Supervision notice"), widget=forms.HiddenInput)


IMPORT_MAX_BYTES = 20 * 1024 * 1024


class CaseImportForm(forms.Form):
    """A provincial-platform or 12345 export to import; the service checks every row."""

    mapping = forms.ModelChoiceField(queryset=None, label=_("Source and column mapping"), empty_label=None)
    file = TabularFileField(label=_("File (.xlsx or .csv)"), max_bytes=IMPORT_MAX_BYTES)
    dry_run = forms.BooleanField(label=_("Check only (import nothing)"), required=False, initial=True)
    strict = forms.BooleanField(label=_("All or nothing: refuse the file if any row is refused"), required=False)

    def __init__(self, *args, mappings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = mappings


from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.common.access import restrict
from wenming.common.input import date_in_bounds
from wenming.common.uploads import PhotosField
from wenming.org.models import Area, AreaLevel, Unit
from wenming.public.services.verification import VerificationError, phone_normalize
from wenming.selections.models import ObjectionStatus, SelectionKind, SubjectKind
from wenming.selections.services.nominations import MAX_PHOTOS, MAX_STATEMENT

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SHEET_HELP = _("One item per line: the criterion, a vertical bar, its maximum points. E.g. 环境整洁|40")


class CallForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=SelectionKind.objects.filter(active=True))
    title = forms.CharField(label=_("Title"), max_length=120)
    criteria = forms.CharField(label=_("Criteria"), required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    organiser = forms.ModelChoiceField(label=_("Organiser"), queryset=Unit.objects.order_by("path"))
    nominations_open = forms.DateTimeField(label=_("Nominations open"), widget=DATETIME)
    nominations_close = forms.DateTimeField(label=_("Nominations close"), widget=DATETIME)
    vote_opens = forms.DateTimeField(label=_("Vote opens"), required=False, widget=DATETIME)
    vote_closes = forms.DateTimeField(label=_("Vote closes"), required=False, widget=DATETIME)
    notice_days = forms.IntegerField(label=_("Public notice (working days)"), min_value=1, max_value=30, initial=5)
    expert_weight = forms.IntegerField(label=_("Expert weight (%)"), min_value=0, max_value=100, initial=70)
    sheet = forms.CharField(label=_("Scoring sheet"), help_text=SHEET_HELP, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.districts = list(Area.objects.filter(level=AreaLevel.COUNTY).defer("geometry").order_by("code"))
        for area in self.districts:
            self.fields[f"quota_{area.pk}"] = forms.IntegerField(
                label=_("Quota: %(district)s") % {"district": area.name}, min_value=0, max_value=999,
                required=False)

    def quota_fields(self):
        return [self[f"quota_{a.pk}"] for a in self.districts]

    def clean_sheet(self):
        items = []
        for n, line in enumerate(self.cleaned_data["sheet"].splitlines(), start=1):
            if not line.strip():
                continue
            label, bar, points = line.rpartition("|")
            digits = points.strip()
            if not bar or not label.strip() or not (digits.isascii() and digits.isdecimal()):
                raise forms.ValidationError(_("Scoring sheet, line %(n)d: write the criterion, |, its maximum points.")
                                            % {"n": n})
            items.append((label.strip()[:120], int(digits) if len(digits) < 4 else 1000))
        if not items:
            raise forms.ValidationError(_("Scoring sheet: add at least one item."))
        return items

    def clean(self):
        data = super().clean()
        # A date the platform cannot mean (year 1 turns BC in UTC and breaks every page showing it).
        for name in ("nominations_open", "nominations_close", "vote_opens", "vote_closes"):
            value = data.get(name)
            if value is None:
                continue
            try:
                date_in_bounds(value.date(), label=str(self.fields[name].label))
            except forms.ValidationError as exc:
                self.add_error(name, exc)
        return data

    def quotas(self) -> dict[int, int]:
        return {a.pk: self.cleaned_data.get(f"quota_{a.pk}") or 0 for a in self.districts
                if self.cleaned_data.get(f"quota_{a.pk}")}


class StepForm(forms.Form):
    action = forms.CharField(max_length=20)
    version = forms.IntegerField(min_value=0)
    note = forms.CharField(required=False, max_length=2000)


class ExpertForm(forms.Form):
    username = forms.CharField(label=_("Expert's login"), max_length=150)


class NominationForm(forms.Form):
    """The nominee and why. Which nominee fields show depends on the kind (the view drops the others)."""

    site = forms.TypedChoiceField(label=_("Place"), coerce=int, required=False, empty_value=None)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.filter(area__isnull=False).order_by("path"),
                                  required=False)
    name = forms.CharField(label=_("Nominee's name"), max_length=120, required=False)
    area = forms.ModelChoiceField(label=_("Community"), required=False,
                                  queryset=Area.objects.filter(level=AreaLevel.COMMUNITY).defer("geometry")
                                  .order_by("code"))
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    statement = forms.CharField(label=_("Why the nominee deserves the title"), max_length=MAX_STATEMENT,
                                widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos"), required=False, max_files=MAX_PHOTOS)

    def __init__(self, *args, kind: SelectionKind, sites=None, public: bool = False, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs.update({"accept": "image/*"})
        if kind.subject == SubjectKind.SITE and sites is not None and not public:
            self.fields["site"].choices = [("", "—")] + [(s.pk, f"{s.name}（{s.area.name}）") for s in sites]
        else:
            del self.fields["site"]
        if kind.subject != SubjectKind.UNIT or public:
            del self.fields["unit"]
        else:
            # Only the units in the person's scope, as the service checks.
            self.fields["unit"].queryset = restrict(self.fields["unit"].queryset, user)
        if kind.subject != SubjectKind.ENTERPRISE:
            del self.fields["credit_code"]


class PublicNominationForm(NominationForm):
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    code = forms.CharField(label=_("SMS code"), required=False, max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))

    def __init__(self, *args, verified_phone: str = "", **kwargs):
        kwargs["public"] = True
        super().__init__(*args, **kwargs)
        self.verified_phone = verified_phone

    def clean(self):
        data = super().clean()
        try:
            data["phone"] = phone_normalize(data.get("phone") or "")
        except VerificationError as exc:
            self.add_error("phone", str(exc))
            return data
        if data["phone"] != self.verified_phone and not (data.get("code") or "").strip():
            self.add_error("code", _("Code: enter the code we sent by SMS."))
        return data


class PublicObjectionForm(forms.Form):
    text = forms.CharField(label=_("Your objection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    phone = forms.CharField(label=_("Mobile number"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    code = forms.CharField(label=_("SMS code"), required=False, max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))

    def __init__(self, *args, verified_phone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.verified_phone = verified_phone

    def clean(self):
        data = super().clean()
        try:
            data["phone"] = phone_normalize(data.get("phone") or "")
        except VerificationError as exc:
            self.add_error("phone", str(exc))
            return data
        if data["phone"] != self.verified_phone and not (data.get("code") or "").strip():
            self.add_error("code", _("Code: enter the code we sent by SMS."))
        return data


class VersionNoteForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    note = forms.CharField(required=False, max_length=2000)


class DeclareForm(forms.Form):
    conflicted = forms.TypedChoiceField(label=_("Conflict of interest"), coerce=lambda v: v == "yes",
                                        choices=[("no", _("I have no conflict of interest with this nominee")),
                                                 ("yes", _("I have a conflict of interest"))],
                                        widget=forms.RadioSelect)
    note = forms.CharField(label=_("What the conflict is"), required=False, max_length=500)


class ScoreForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.DecimalField(
                label=f"{item.label}（0–{item.max_points}）", min_value=0, max_value=item.max_points,
                max_digits=5, decimal_places=2)

    def points(self) -> dict[int, object]:
        return {i.pk: self.cleaned_data[f"item_{i.pk}"] for i in self.items}


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("Objection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[(ObjectionStatus.UPHELD, ObjectionStatus.UPHELD.label),
                                          (ObjectionStatus.DISMISSED, ObjectionStatus.DISMISSED.label)],
                                 widget=forms.RadioSelect, label=_("Decision"))
    note = forms.CharField(label=_("Reasons"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    public_note = forms.CharField(label=_("Public note (if upheld)"), required=False, max_length=2000)


class RevokeForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    public_note = forms.CharField(label=_("Public note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    note = forms.CharField(label=_("Why you withdraw it"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    # The confirmation, without script: a withdrawal cannot be undone.
    confirm = forms.BooleanField(label=_("I understand that a withdrawn nomination cannot be restored"))


class KindForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=5)
    name = forms.CharField(label=_("Name"), max_length=60)
    subject = forms.ChoiceField(label=_("Nominee"), choices=SubjectKind.choices)
    integrity = forms.BooleanField(label=_("integrity title (诚信)"), required=False)

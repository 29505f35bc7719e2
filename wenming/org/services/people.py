"""People leave, their records stay: a person who acted is deactivated, never deleted.

Every case event, report, piece of evidence, decision and audit entry names who did it; deleting the person
would leave those without an actor (or take them along). So a person any record refers to can only be
deactivated (停用): the login stops, every record keeps its name. A person no record refers to (an account made
by mistake) may still be deleted by an administrator; both are audited.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.common.services.audit import audit_changes, audit_event_record, audit_object_change, audit_values
from wenming.org.models import Person

# What goes with a deleted person: the roles they held and the messages addressed to them. Everything else
# that refers to them (events, reports, evidence, decisions, audit entries, tasks and roads in their charge,
# API keys acting as them) is a record that keeps them.
_BELONGINGS = frozenset({"org.roleassignment", "common.notification"})


class PersonHasRecords(Exception):
    """The person is referred to by records: deactivate instead."""

    def __init__(self, person: Person, records: list[str]):
        self.person, self.records = person, records
        super().__init__(
            _("%(person)s cannot be deleted: %(records)s refer to this person. Deactivate the account instead: "
              "the login stops and every record keeps its author.")
            % {"person": person, "records": ", ".join(records)}
        )


def person_references(*, person: Person) -> list[str]:
    """The kinds of records (plural names, sorted) that refer to ``person``; empty if none does."""
    found = set()
    for rel in Person._meta.get_fields(include_hidden=True):
        if not (rel.is_relation and rel.auto_created and not rel.concrete):
            continue
        model = rel.related_model
        # The tables behind many-to-many fields are looked at through the fields themselves.
        if model._meta.auto_created or model._meta.label_lower in _BELONGINGS:
            continue
        if model._default_manager.filter(**{rel.field.name: person}).exists():
            found.add(str(model._meta.verbose_name_plural))
    return sorted(found)


def person_deactivate(*, person_id: int, actor) -> Person:
    """Stop the login and keep everything the person did. Deactivating an inactive person changes nothing."""
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        if not person.is_active:
            return person
        person.is_active = False
        person.save(update_fields=["is_active"])
        audit_event_record(
            actor=actor, action="person.deactivate", summary=f"org.person #{person.pk} {person.username}",
            data={"model": "org.person", "object": person.pk, "repr": str(person), "changes": {"is_active": [True, False]}},
        )
    return person


def person_delete(*, person_id: int, actor) -> None:
    """Delete a person no record refers to, with their role assignments, audited.

    Raises ``PersonHasRecords`` if any record refers to them (checked under the row lock, and the PROTECT
    foreign keys refuse it again in the database).
    """
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        records = person_references(person=person)
        if records:
            raise PersonHasRecords(person, records)
        values, pk, shown = audit_values(person), person.pk, str(person)
        roles = [{"model": "org.roleassignment", "verb": "delete", "object": r.pk,
                  "changes": audit_changes(audit_values(r), {})} for r in person.roles.all()]
        person.delete()
        audit_object_change(actor=actor, verb="delete", obj=person, object_pk=pk, object_repr=shown,
                            changes=audit_changes(values, {}), related=roles)

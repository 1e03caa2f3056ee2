"""`manage.py erase_person EMAIL`: erase a person's personal data and participation records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from org.models import Person
from org.services.erasure import person_erase


class Command(BaseCommand):
    help = (
        "Erase a person: their personal data, participation records, sign-in records and audit "
        "history. Their unlinkable answers stay inside the team figures."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, email: str, **options) -> None:
        person = Person.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"No person has the email address {email!r}.")
        try:
            report = person_erase(person=person, actor=None)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Erased person #{report.person_id}: {report.participations} participation records, "
            f"{report.audit_entries_deleted} audit entries deleted, "
            f"{report.audit_entries_redacted} redacted, {report.sign_in_records} sign-in records, "
            f"{report.sessions} sessions ended."
        )

"""`manage.py api_token EMAIL [--name NAME] [--days N]`: create a personal API token and print it once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.services.tokens import api_token_create
from org.models import Person


class Command(BaseCommand):
    help = "Create a personal API token for a person and print it (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument(
            "--days", type=int, default=None, help="Lifetime in days (default 90, at most 365)."
        )

    def handle(self, *args, email: str, name: str, days: int | None = None, **options) -> None:
        person = Person.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            raise CommandError(f"Nobody has the email address {email}.")
        try:
            new = api_token_create(person=person, name=name, expires_in_days=days)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(
            f"Token “{new.token.name}” for {person.email}, valid until "
            f"{new.token.expires_at:%Y-%m-%d %H:%M} UTC; it is shown only once:"
        )
        self.stdout.write(new.secret)

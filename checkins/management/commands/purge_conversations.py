"""Delete conversations (threads and their messages) whose round closed more than N months ago.

Comments follow their own retention (`OrgSettings.raw_retention_months`), which deletes their
conversations with them; this lets the operator remove conversations earlier (ADR 0031).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from checkins.services.conversations import ConversationError, threads_purge


class Command(BaseCommand):
    help = "Delete conversations whose round closed more than --months months ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, required=True)

    def handle(self, *args, months: int, **options) -> None:
        try:
            deleted = threads_purge(months=months)
        except ConversationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{deleted} conversation(s) deleted.")

"""`python manage.py import_people FILE.csv`: the same import as the HR upload screen."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from org.services.people_import import ImportFileError, people_import


class Command(BaseCommand):
    help = "Import or sync people and teams from a CSV file (upsert by email)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--full-sync",
            action="store_true",
            help="Deactivate active people missing from the file.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Allow deactivating more than 40 % of people."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report, write nothing.")

    def handle(self, *args, file: Path, full_sync: bool, force: bool, dry_run: bool, **options):
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            result = people_import(
                content=content, full_sync=full_sync, force=force, dry_run=dry_run,
                source=file.name,
            )  # fmt: skip
        except ImportFileError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        for line, reason in result.errors:
            self.stderr.write(f"{file}:{line}: {reason}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} bad rows; nothing was imported.")
        if result.refused:
            raise CommandError(result.refused)
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            f"{verb}: {len(result.created)} created, {len(result.updated)} updated, "
            f"{result.unchanged} unchanged, {len(result.deactivated)} deactivated, "
            f"{len(result.teams_created)} teams created."
        )

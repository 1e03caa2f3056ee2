"""python manage.py seed_demo --people N --weeks W --seed S"""

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.services.people import DEMO_LOGINS, DEMO_PASSWORD
from demo.services.seed import demo_organisation_seed
from org.models import Person


class Command(BaseCommand):
    help = "Build a realistic demo organisation with W weeks of check-in history."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=120)
        parser.add_argument("--weeks", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if people already exist."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even under production settings (it creates an HR admin whose password "
            "is published in the README).",
        )
        parser.add_argument(
            "--timings", type=Path, help="Also write the seconds per phase to this JSON file."
        )

    def handle(
        self, *args, people, weeks, seed, if_empty, timings=None, allow_production=False, **options
    ):
        if settings.RELHEALTH_PRODUCTION and not allow_production:
            raise CommandError(
                "Refusing to seed under production settings: the demo creates an HR admin, a "
                "manager and an employee whose password is published. Seed a demo install "
                "instead, or pass --allow-production if this really is a throwaway system."
            )
        if people < 20:
            raise CommandError("--people must be at least 20 for a meaningful demo.")
        if weeks < 0:
            raise CommandError("--weeks cannot be negative.")
        if Person.objects.exists():
            if not if_empty:
                raise CommandError("The database already has people; seed an empty database.")
            self.stdout.write("Demo organisation already present.")
        else:
            started = time.perf_counter()
            result = demo_organisation_seed(people=people, weeks=weeks, seed=seed)
            elapsed = time.perf_counter() - started
            self.stdout.write(
                f"Seeded {result.people} people in {result.teams} teams, {result.n_rounds} weeks, "
                f"{result.responses} responses in {elapsed:.1f} s."
            )
            self.stdout.write(
                "Phases: " + ", ".join(f"{name} {s:.1f} s" for name, s in result.phases.items())
            )
            if timings:
                timings.write_text(
                    json.dumps(
                        {"seconds": round(elapsed, 2), "responses": result.responses,
                         "phases": result.phases}
                    )
                )  # fmt: skip
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for role, email in DEMO_LOGINS.items():
            self.stdout.write(f"  {role:<9} {email}")

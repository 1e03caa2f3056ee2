"""The demo organisation: its teams, its people with the demo logins, its weekly survey.

Deterministic for a seed: names, sizes and addresses come from the caller's random generator.
Small teams stay below the anonymity threshold, so the demo shows hidden figures too.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata

from django.contrib.auth.hashers import make_password

from checkins.models import Question, Survey
from org.models import Person, Team

DEMO_PASSWORD = "relhealth-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_LOGINS = {
    "hr": "hr@example.com",
    "manager": "manager@example.com",
    "employee": "employee@example.com",
}
FIRST = ["Ada", "Ben", "Chloé", "Dmitri", "Ebru", "Farah", "Gustav", "Hana", "Ines", "Jonas",
         "Kemal", "Lea", "Mateo", "Nia", "Olu", "Priya", "Quinn", "Rosa", "Sami", "Tariq",
         "Uma", "Viktor", "Wen", "Xenia", "Yusuf", "Zoe"]  # fmt: skip
LAST = ["Albers", "Brandt", "Castillo", "Dube", "Eriksen", "Fischer", "García", "Huber", "Ito",
        "Jansen", "Kowalski", "Lindqvist", "Mensah", "Nakamura", "Okafor", "Petrov", "Quist",
        "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Weber", "Yilmaz", "Zimmer"]  # fmt: skip
DEPARTMENTS = {
    "Engineering": ["Platform", "Payments", "Mobile", "Data", "Security", "Developer Experience"],
    "Product": ["Discovery", "Design", "Research"],
    "Sales": ["EMEA", "Americas", "Partnerships"],
    "Customer Success": ["Support", "Onboarding"],
    "People": ["Recruiting", "People Ops"],
    "Operations": ["Finance", "Legal", "Workplace"],
}
TIME_ZONES = ["Europe/Berlin", "Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata"]


def demo_team_sizes_draw(rng: random.Random, people: int, leaves: int) -> list[int]:
    """Split people over the leaf teams: mostly 5-12, a few below the anonymity threshold."""
    sizes = [rng.choice([3, 4, 6, 7, 8, 9, 10, 12]) for _ in range(leaves)]
    scale = people / max(sum(sizes), 1)
    sizes = [max(3, round(s * scale)) if s > 4 else s for s in sizes]
    # The rounding's remainder, one person at a time over the larger teams (never below 5), so
    # the sizes add up exactly; it once all went to the last team, which could go negative.
    larger = [i for i, s in enumerate(sizes) if s > 4] or list(range(len(sizes)))
    floor = 5 if larger and sizes[larger[0]] > 4 else 1
    remainder, turn = people - sum(sizes), 0
    while remainder:
        i = larger[turn % len(larger)]
        turn += 1
        step = 1 if remainder > 0 else -1
        if sizes[i] + step >= floor:
            sizes[i] += step
            remainder -= step
        elif turn > 10 * len(sizes) * (abs(remainder) + 1):
            raise ValueError(f"{people} people cannot fill {leaves} teams")
    return sizes


def demo_teams_plan(people: int) -> list[tuple[str, str]]:
    """(department, leaf team) per leaf team: about one leaf per 8 people, the departments of
    DEPARTMENTS repeated with a number ("Engineering 2") once the list is used up."""
    names = [(d, s) for d, subs in DEPARTMENTS.items() for s in subs]
    layout = []
    for i in range(max(3, people // 8)):
        dept_name, sub = names[i % len(names)]
        cycle = i // len(names)
        layout.append((dept_name if cycle == 0 else f"{dept_name} {cycle + 1}", sub))
    return layout


def _teams_create(children: list[tuple[str, Team]]) -> list[Team]:
    """Teams (name, parent) in a few statements, paths included: Team.save would cost two
    statements and an audit entry per team, and 100,000 people have 14,000 teams."""
    teams = Team.objects.bulk_create(
        [Team(name=name, parent=parent) for name, parent in children], batch_size=2000
    )
    for team, (_name, parent) in zip(teams, children, strict=True):
        team.path = Team.path_for(team.pk, parent)
        team.depth = parent.depth + 1
    Team.objects.bulk_update(teams, ["path", "depth"], batch_size=2000)
    return teams


def _build_teams(people: int) -> tuple[Team, list[Team], list[Team]]:
    root = Team.objects.create(name="Northwind Labs")
    layout = demo_teams_plan(people)
    dept_names = list(dict.fromkeys(dept for dept, _sub in layout))
    departments = _teams_create([(name, root) for name in dept_names])
    by_name = dict(zip(dept_names, departments, strict=True))
    leaves = _teams_create([(sub, by_name[dept]) for dept, sub in layout])
    return root, departments, leaves


# Letters NFKD does not take apart into a base letter and an accent.
ASCII_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "ł": "l", "đ": "d", "þ": "th"}
)


def demo_email_compose(first: str, last: str, n: int) -> str:
    """A demo address: unique because every person of the organisation gets their own `n`.

    Plain ASCII ("Chloé" -> "chloe"): an address with accents needs SMTPUTF8 all the way, which
    the API, the CSV import and most relays refuse."""
    local = f"{first}.{last}".lower().translate(ASCII_LETTERS)
    local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z0-9.-]+", "-", local).strip("-.")
    return f"{local}.{n}@example.com"


def _person(rng: random.Random, n: int, team: Team, **extra) -> Person:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Person(
        email=extra.pop("email", demo_email_compose(first, last, n)),
        name=extra.pop("name", f"{first} {last}"),
        team=team,
        time_zone=extra.pop("time_zone", rng.choice(TIME_ZONES)),
        language=extra.pop("language", rng.choices(("en", "de", "fr"), (65, 25, 10))[0]),
        **extra,
    )


def demo_people_draw(
    rng: random.Random, *, root: Team, departments: list[Team], leaves: list[Team], sizes: list[int]
) -> list[Person]:
    """Everyone, unsaved: the HR admin, one manager per department, then the members of each
    leaf team, with the demo logins among them. One running number makes every address unique
    (the managers once counted from 1,000 and the members from 2,000, so beyond 1,000
    departments, about 50,000 people, their addresses collided)."""
    # The demo logins: an HR admin, the manager of the first department, one of its employees.
    everyone = [
        _person(rng, 0, root, email=DEMO_LOGINS["hr"], name="Hanna Rivera (HR)",
                role=Person.Role.HR_ADMIN, time_zone="Europe/Berlin", language="en")
    ]  # fmt: skip
    for i, dept in enumerate(departments):
        extra: dict[str, str] = {"role": Person.Role.MANAGER}
        if i == 0:
            extra.update(email=DEMO_LOGINS["manager"], name="Max Moreau (manager)", language="en",
                         time_zone="Europe/Berlin")  # fmt: skip
        everyone.append(_person(rng, len(everyone), dept, **extra))
    first_member = len(everyone)
    for leaf, size in zip(leaves, sizes, strict=True):
        for _ in range(size):
            everyone.append(_person(rng, len(everyone), leaf))
    employee = everyone[first_member]  # the first member of the first leaf team
    employee.email, employee.name = DEMO_LOGINS["employee"], "Emma Lindqvist"
    employee.language, employee.time_zone = "en", "Europe/Berlin"
    # One unusable password for all (a random one each costs seconds at 100,000 people); the
    # demo logins share a real one, hashed once since each hash costs a third of a second.
    unusable, hashed = make_password(None), make_password(DEMO_PASSWORD)
    for person in everyone:
        person.password = unusable
    for person in [*everyone[:first_member], employee]:
        person.password = hashed
    return everyone


def demo_organisation_create(
    rng: random.Random, *, people: int, now: dt.datetime
) -> tuple[list[Person], list[Team], Survey]:
    """The teams, people (with the demo logins) and the weekly survey."""
    root, departments, leaves = _build_teams(people)
    sizes = demo_team_sizes_draw(rng, people - 1 - len(departments), len(leaves))
    everyone = demo_people_draw(rng, root=root, departments=departments, leaves=leaves, sizes=sizes)
    Person.objects.bulk_create(everyone, batch_size=5000)
    managers = everyone[1 : 1 + len(departments)]
    Team.managers.through.objects.bulk_create(
        Team.managers.through(team_id=dept.pk, person_id=manager.pk)
        for dept, manager in zip(departments, managers, strict=True)
    )

    survey = Survey.objects.create(
        name="Weekly pulse",
        questions_per_round=5,
        window_days=5,
        # A demo-only schedule: the round of today's weekday, sent at local midnight, is due at
        # once, so the first beat tick opens it and invitations go out within a minute.
        weekday=now.weekday(),
        send_time=dt.time(0, 0),
        next_round_at=now,
    )
    survey.questions.set(Question.objects.filter(is_active=True))
    return everyone, departments, survey

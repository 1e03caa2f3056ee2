"""People and teams. A person belongs to one team and may manage several; teams form a tree."""

from __future__ import annotations

import functools
import zoneinfo

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from org.validators import MIN_GROUP_SIZE_FLOOR, validate_single_line


@functools.cache
def _known_time_zones() -> frozenset[str]:
    # available_timezones() scans the zoneinfo folders (~40 ms); an import validates every row.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _known_time_zones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


# A team's path lists every id from the root; its column bounds how deep the tree may grow.
PATH_MAX_LENGTH = 1000
# The longest "<id>/" a new team adds (a bigint has at most 19 digits).
_ID_SEGMENT = 20


def path_ids(path: str) -> list[int]:
    """The team ids a path lists, from the root down to the team itself: "/1/4/9/" -> [1, 4, 9]."""
    return [int(part) for part in path.strip("/").split("/") if part]


def subtree_q(team: Team | str, *, via: str = "") -> models.Q:
    """The one subtree test: `team` (or the team at a path) and every team below it. `via`
    reaches the team through a relation ("team__" for a person's team)."""
    path = team if isinstance(team, str) else team.path
    return models.Q(**{f"{via}path__startswith": path})


class TeamQuerySet(models.QuerySet["Team"]):
    def subtree_of(self, team: Team | str) -> TeamQuerySet:
        """`team` and every team below it."""
        return self.filter(subtree_q(team))


class Team(models.Model):
    """A node of the team tree. `path` lists the ids from the root ("/1/4/9/") for subtree queries."""

    name = models.CharField(max_length=120, validators=[validate_single_line])
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=PATH_MAX_LENGTH, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_teams"
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="team_unique_name_per_parent"),
            # NULLs are distinct in a unique index, so root teams need their own rule.
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="team_unique_root_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs) -> None:
        moving_below_itself = (
            self.pk is not None
            and self.parent is not None
            and (self.parent_id == self.pk or f"/{self.pk}/" in self.parent.path)
        )
        if moving_below_itself:
            raise ValidationError(_("A team cannot be moved below itself."))
        self._path_length_check()
        if self.pk is None:
            # The path holds our own id, so a new team is inserted first to get one.
            super().save(*args, **kwargs)
            self.path = self.path_for(self.pk, self.parent)
            self.depth = self._depth()
            super().save(update_fields=["path", "depth"])
            return
        old_path = self.path
        self.path = self.path_for(self.pk, self.parent)
        self.depth = self._depth()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # A move keeps the subtree together: rewrite the descendants' paths in one statement.
            descendants = list(Team.objects.subtree_of(old_path).exclude(pk=self.pk))
            for child in descendants:
                child.path = self.path + child.path[len(old_path) :]
                child.depth = child.path.count("/") - 2
            Team.objects.bulk_update(descendants, ["path", "depth"])

    def _path_length_check(self) -> None:
        """Refuse a new team or a move that would make some path longer than its column."""
        if self.parent is None:
            return
        if self.pk is None:
            longest = len(self.parent.path) + _ID_SEGMENT
        else:
            # The deepest team of the moved subtree, re-rooted under the new parent.
            below = Team.objects.subtree_of(self).values_list("path", flat=True)
            deepest = max((len(p) for p in below), default=len(self.path))
            longest = deepest - len(self.path) + len(self.path_for(self.pk, self.parent))
        if longest > PATH_MAX_LENGTH:
            raise ValidationError(
                _("The team tree is too deep here: put this team higher up in the tree.")
            )

    @staticmethod
    def path_for(pk: int, parent: Team | None) -> str:
        return f"{parent.path if parent else '/'}{pk}/"

    def _depth(self) -> int:
        return self.path.count("/") - 2

    def contains(self, other: Team) -> bool:
        """`other` is this team or below it: `subtree_of` for a team already in memory."""
        return other.path.startswith(self.path)


class PersonManager(BaseUserManager["Person"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> Person:
        if not email:
            raise ValueError("A person needs an email address.")
        person = self.model(email=self.normalize_email(email).lower(), **extra)
        person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, email: str, password: str | None = None, **extra) -> Person:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Person.Role.HR_ADMIN)
        return self.create_user(email, password, **extra)


class Person(AbstractBaseUser, PermissionsMixin):
    """Someone in the organisation. Logs in with their email address."""

    class Role(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        MANAGER = "manager", _("Manager")
        HR_ADMIN = "hr_admin", _("HR admin")

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, validators=[validate_single_line])
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EMPLOYEE)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Raised whenever this person's access changes (deactivation, a role change, a new password):
    # it is part of every session's hash, API token and set-password link, so everything issued
    # before stops working for good, whatever happens to the person later (ADR 0023).
    auth_version = models.PositiveIntegerField(default=0, editable=False)
    # Why mail to this address failed for good (the server's answer, "550 5.1.1 User unknown"),
    # written by the email ledger; emptied when the address changes or a later message arrives.
    # Never from a reminder: a reminder goes only to people who have not answered (A7).
    email_undeliverable = models.CharField(max_length=500, blank=True, default="", editable=False)
    email_undeliverable_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PersonManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name"]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        if not self.auth_version:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        # The version joins the password in the hash: raising it ends every existing session.
        return salted_hmac(
            "org.Person.get_session_auth_hash",
            f"{self.password}:{self.auth_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_hr_admin(self) -> bool:
        return self.role == self.Role.HR_ADMIN

    @property
    def is_manager(self) -> bool:
        # The role is required to lead: team access itself is org.selectors.teams_led_qs.
        return self.role == self.Role.MANAGER


class OrgSettings(models.Model):
    """Install-wide settings: one row (one organisation per install)."""

    name = models.CharField(
        max_length=200, default="Our organisation", validators=[validate_single_line]
    )
    min_group_size = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR)],
        help_text=_("No figure from fewer respondents is shown. Frozen per round once it opens."),
    )

    # Governance: raw answers and comments of closed rounds are deleted this long after the round
    # closed (the roll-ups behind every figure are kept).
    raw_retention_months = models.PositiveSmallIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Raw answers and comments are deleted this many months after their round closed. "
            "Figures on the dashboards stay."
        ),
    )

    # Managers and HR admins always sign in with a password; employees only when HR allows it
    # (they answer check-ins through their links either way).
    employees_may_sign_in = models.BooleanField(
        default=True,
        help_text=_(
            "Employees may set a password and sign in to see their open check-ins and their "
            "team's results."
        ),
    )

    class Meta:
        verbose_name = "organisation settings"
        verbose_name_plural = "organisation settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR),
                name="org_min_group_size_at_least_3",
            ),
            models.CheckConstraint(
                condition=models.Q(raw_retention_months__gte=1, raw_retention_months__lte=120),
                name="org_raw_retention_months_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> OrgSettings:
        obj, _created = cls.objects.get_or_create(
            pk=1, defaults={"min_group_size": settings.RELHEALTH_MIN_GROUP_SIZE}
        )
        return obj


class PeopleImportJob(models.Model):
    """An uploaded people CSV between its preview and its apply, and the progress of either.

    The file is kept in the database (not on a disk the worker may not share with the web
    process, ADR 0027); only the HR admin who uploaded it sees or applies it, and a sweep deletes
    jobs after `RELHEALTH_IMPORT_JOB_HOURS`.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        READY = "ready", _("Ready to apply")
        REJECTED = "rejected", _("Needs fixing")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Not applied")

    class Phase(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        READING = "reading", _("Reading and checking rows")
        PLANNING = "planning", _("Comparing with the organisation")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Done")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people_imports"
    )
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(editable=False)
    full_sync = models.BooleanField(default=False)
    force = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # The outcome of the last preview or apply: counts, samples and every bad row (line, message).
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="people_import_created")]

    def __str__(self) -> str:
        return f"{self.filename or 'import'} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.CHECKING, self.Status.APPLYING)

    @property
    def percent(self) -> int:
        """Reading and checking rows is most of the work; planning and writing are one step each."""
        if self.finished:
            return 100
        if self.phase == self.Phase.READING and self.rows_total:
            return 5 + int(70 * min(self.rows_done, self.rows_total) / self.rows_total)
        return {self.Phase.PLANNING: 80, self.Phase.WRITING: 90}.get(self.phase, 0)  # type: ignore[call-overload]

"""Personal API tokens (ADR 0012): a random secret shown once, stored as its sha256."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from org.validators import validate_single_line


class ApiToken(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, validators=[validate_single_line])
    # The first characters of the token ("rh_ab12cd"), so a person can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A token works until it expires, and only while its owner's access version is the one it was
    # created under (org.Person.auth_version): a role change or deactivation ends it for good.
    expires_at = models.DateTimeField()
    auth_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return (
            self.revoked_at is None
            and self.expires_at > timezone.now()
            and self.auth_version == self.person.auth_version
        )

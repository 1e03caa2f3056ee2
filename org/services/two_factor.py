"""Enrolling a second factor: an authenticator app (TOTP) and static backup codes (django-otp)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from org.models import Person

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def totp_device_pending_get_or_create(*, person: Person) -> TOTPDevice:
    """The authenticator a person is setting up (one at a time; its secret stays until used)."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=person, confirmed=False, defaults={"name": APP_DEVICE_NAME}
    )
    return device


@transaction.atomic
def totp_device_confirm(*, person: Person, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm `device` with a code from the app; return fresh backup codes, or None if wrong.

    A confirmed app replaces any earlier one, so a lost phone stops working once a new one is set
    up.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=person, confirmed=False)
    if not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=person).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_issue(person=person)


@transaction.atomic
def backup_codes_issue(*, person: Person) -> list[str]:
    """New single-use backup codes; the old ones stop working. Shown to the person once."""
    StaticDevice.objects.filter(user=person).delete()
    device = StaticDevice.objects.create(user=person, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RELHEALTH_N_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(*, person: Person) -> int:
    return StaticToken.objects.filter(device__user=person, device__confirmed=True).count()


@transaction.atomic
def app_code_verify(*, person: Person, code: str) -> bool:
    """Whether `code` is the current one of the person's confirmed app (throttled by django-otp)."""
    devices = TOTPDevice.objects.select_for_update().filter(user=person, confirmed=True)
    return any(device.verify_token(code) for device in devices)

"""The retention setting: how long raw answers and comments are kept after a round closes."""

from __future__ import annotations

from org.models import OrgSettings


def org_retention_update(*, months: int) -> OrgSettings:
    """Change the retention period; the change is audited by django-auditlog (OrgSettings)."""
    org = OrgSettings.current()
    if org.raw_retention_months != months:
        org.raw_retention_months = months
        org.full_clean()
        org.save()
    return org

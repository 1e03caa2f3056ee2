"""What the test provider says about its people: email, whether it is verified, groups."""

import json
import os
from functools import cache

from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims


@cache
def _people() -> dict[str, dict]:
    with open(os.environ["OP_SPEC"]) as spec:
        return {u["username"]: u for u in json.load(spec)["users"]}


def userinfo(claims: dict, user) -> dict:
    person = _people()[user.username]
    claims["email"] = person["email"]
    claims["email_verified"] = person["email_verified"]
    claims["name"] = person.get("name", user.username)
    return claims


class GroupsScopeClaims(ScopeClaims):
    info_groups = (_("Groups"), _("The groups you belong to."))

    def scope_groups(self) -> dict:
        return {"groups": _people()[self.user.username].get("groups", [])}

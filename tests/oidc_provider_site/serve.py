"""Start the test provider: migrate its SQLite file, seed people, key and client, serve."""

import json
import os

import django
from django.core.management import call_command


def main() -> None:
    django.setup()
    from django.contrib.auth.models import User
    from oidc_provider.models import Client, ResponseType, RSAKey

    call_command("migrate", verbosity=0, interactive=False)
    with open(os.environ["OP_SPEC"]) as file:
        spec = json.load(file)
    for person in spec["users"]:
        User.objects.create_user(person["username"], person["email"], person["password"])
    call_command("creatersakey", verbosity=0)
    assert RSAKey.objects.exists()
    client = Client.objects.create(
        name="Relhealth",
        client_type="confidential",
        client_id=spec["client"]["id"],
        client_secret=spec["client"]["secret"],
        jwt_alg="RS256",
        require_consent=False,
        redirect_uris=[spec["client"]["redirect_uri"]],
    )
    client.response_types.set(ResponseType.objects.filter(value="code"))
    call_command("runserver", f"127.0.0.1:{os.environ['OP_PORT']}", use_reloader=False)


if __name__ == "__main__":
    main()

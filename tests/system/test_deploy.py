"""docker-compose.yml and the Dockerfile start real entry points of the project.

Docker is not needed: the tests read both files and check each command against the code, so a
renamed module, task, management command or option fails here instead of in a deployment. The
production settings are imported in a subprocess with a clean environment, as a container would.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import get_commands, load_command_class
from django.core.management.utils import get_random_secret_key
from django.urls import resolve
from gunicorn.config import Config as GunicornConfig

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
# Services that run our image (built from the Dockerfile), unlike postgres, redis and mailpit.
APP_SERVICES = {name: service for name, service in SERVICES.items() if "build" in service}
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# A reference like ${NAME}, ${NAME:-default} or ${NAME:?message}, as compose interpolates it.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def _strip_exec(argv: list[str]) -> list[str]:
    return argv[1:] if argv[:1] == ["exec"] else argv


def _programs(command: str | list[str]) -> list[list[str]]:
    """The programs a command runs: exec form, or `sh -c` with commands joined by `&&`."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        return [_strip_exec(shlex.split(part)) for part in argv[2].split("&&")]
    return [_strip_exec(argv)]


def _dockerfile_cmd() -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    match = re.search(r"^CMD\s+(\[.*\])\s*$", joined, re.MULTILINE)
    assert match, "the Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


def _dockerfile_args() -> dict[str, str]:
    return dict(re.findall(r"^ARG\s+(\w+)=(\S+)\s*$", DOCKERFILE, re.MULTILINE))


def _every_program() -> list:
    params = [
        pytest.param(argv, id=f"{name}:{argv[0]}")
        for name, service in APP_SERVICES.items()
        for argv in _programs(service["command"])
    ]
    return [*params, pytest.param(_dockerfile_cmd(), id="Dockerfile-CMD")]


def _celery_parts(argv: list[str]) -> tuple[dict[str, str], str, list[str]]:
    """Split `celery [global options] SUBCOMMAND [options]` the way celery's CLI reads it."""
    known = {opt for param in celery_cli.params for opt in param.opts + param.secondary_opts}
    takes_value = {
        opt for param in celery_cli.params if not getattr(param, "is_flag", False)
        for opt in param.opts
    }  # fmt: skip
    options: dict[str, str] = {}
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        name, has_value, value = argv[i].partition("=")
        assert name in known, f"celery has no global option {name}"
        if name in takes_value and not has_value:
            i += 1
            value = argv[i]
        options[name] = value
        i += 1
    assert i < len(argv), f"no celery subcommand in {argv}"
    return options, argv[i], argv[i + 1 :]


def _check_gunicorn(argv: list[str]) -> None:
    # Gunicorn's own parser: an unknown option exits, and the positional is the WSGI target.
    parsed = GunicornConfig().parser().parse_args(argv[1:])
    assert len(parsed.args) == 1, f"gunicorn needs exactly one app module, got {parsed.args}"
    module_name, _, attribute = parsed.args[0].partition(":")
    assert parsed.args[0] == "relhealth.wsgi:application"
    application = getattr(importlib.import_module(module_name), attribute)
    assert callable(application)
    assert isinstance(application, WSGIHandler)


def _check_celery(argv: list[str]) -> None:
    options, subcommand, rest = _celery_parts(argv)
    app_name = options.get("-A") or options.get("--app")
    assert app_name == "relhealth"
    # The lookup celery itself does for -A: the package exposes the app of relhealth/celery.py.
    assert find_app(app_name) is importlib.import_module("relhealth.celery").app
    assert subcommand in celery_cli.commands, f"celery has no subcommand {subcommand!r}"
    command = celery_cli.commands[subcommand]
    accepted = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    for token in rest:
        if token.startswith("-"):
            assert token.split("=")[0] in accepted, f"celery {subcommand} has no option {token}"


def _check_manage(argv: list[str]) -> None:
    name, rest = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"manage.py has no command {name!r}"
    command = load_command_class(commands[name], name)
    # argparse exits on an unknown option, which fails the test with the usage message.
    command.create_parser("manage.py", name).parse_args(rest)


@pytest.mark.parametrize("argv", _every_program())
def test_commands_start_real_entry_points(argv):
    if argv[0] == "gunicorn":
        _check_gunicorn(argv)
    elif argv[0] == "celery":
        _check_celery(argv)
    elif argv[:2] == ["python", "manage.py"]:
        _check_manage(argv)
    else:
        pytest.fail(f"unexpected program in a command: {argv}")


def test_compose_has_the_stack_the_brief_names():
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(SERVICES)
    assert {"web", "worker", "beat"} <= set(APP_SERVICES)
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert any(s.get("image", "").startswith("axllent/mailpit") for s in SERVICES.values())


def test_web_migrates_before_serving():
    programs = _programs(SERVICES["web"]["command"])
    assert programs[0][:3] == ["python", "manage.py", "migrate"]
    assert "--noinput" in programs[0]
    assert programs[-1][0] == "gunicorn"


def test_exactly_one_beat():
    beats = []
    for name, service in APP_SERVICES.items():
        for argv in _programs(service["command"]):
            if argv[0] != "celery":
                continue
            _options, subcommand, rest = _celery_parts(argv)
            embedded = subcommand == "worker" and ({"-B", "--beat"} & set(rest))
            if subcommand == "beat" or embedded:
                beats.append(name)
                assert int(service.get("scale", 1)) == 1
                assert int(service.get("deploy", {}).get("replicas", 1)) == 1
    assert beats == ["beat"]


def test_beat_schedule_tasks_are_registered():
    app = importlib.import_module("relhealth.celery").app
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled, "the beat schedule is empty"
    assert scheduled <= set(app.tasks), f"not registered: {scheduled - set(app.tasks)}"
    # Beat reads the schedule through the CELERY_ namespace into the database scheduler.
    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_settings_modules_exist():
    modules = {
        service["environment"]["DJANGO_SETTINGS_MODULE"] for service in APP_SERVICES.values()
    }
    modules |= set(re.findall(r"DJANGO_SETTINGS_MODULE=(\S+)", DOCKERFILE))
    assert modules == {"relhealth.settings.production"}
    for module in modules:
        # find_spec, not import: production refuses to import without its secrets.
        assert importlib.util.find_spec(module) is not None, module


def _names_the_settings_read() -> set[str]:
    source = "".join(path.read_text() for path in (ROOT / "relhealth" / "settings").glob("*.py"))
    return set(re.findall(r"""(?:env(?:\.\w+)?|os\.environ\.get)\(\s*["'](\w+)["']""", source))


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_compose_sets_only_variables_the_settings_read(name):
    environment = APP_SERVICES[name]["environment"]
    unread = set(environment) - _names_the_settings_read() - {"DJANGO_SETTINGS_MODULE"}
    assert not unread, f"{name} sets variables no setting reads: {sorted(unread)}"
    # Without these each container would fall back to its own SQLite file and broker folder.
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} <= set(
        environment
    )
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?.+\}", environment["DJANGO_SECRET_KEY"])


def _healthcheck_programs() -> list:
    params = []
    for name, service in APP_SERVICES.items():
        test = service.get("healthcheck", {}).get("test")
        if test and test[0] == "CMD-SHELL":
            argv = shlex.split(test[1].replace("$${HOSTNAME}", "worker-1"))
            params.append(pytest.param(argv, id=f"{name}-healthcheck"))
    return params


@pytest.mark.parametrize("argv", _healthcheck_programs())
def test_shell_healthchecks_run_real_entry_points(argv):
    assert argv[0] == "celery"
    _check_celery(argv)


def test_the_worker_has_a_healthcheck():
    assert _healthcheck_programs(), "the worker's healthcheck is gone"


def test_healthchecks_exist_where_services_wait_for_them():
    probe = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "/healthz" in probe and "curl" not in probe
    assert resolve("/healthz").url_name == "healthz"
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            if rule.get("condition") == "service_healthy":
                check = SERVICES[dependency].get("healthcheck", {})
                assert check.get("test") and not check.get("disable"), f"{dependency} has no check"


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv/", "node_modules/", "var/"} <= set(ignored)


# --- The production settings, imported the way a container does: a fresh process, clean env.


# Mail settings that reach real people (the production settings refuse demo ones).
REAL_MAIL = {
    "DEFAULT_FROM_EMAIL": "Relhealth <pulse@acme-corp.eu>",
    "RELHEALTH_BASE_URL": "https://pulse.acme-corp.eu",
}


def _run(args: list[str], **variables: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", **variables}
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "example.org"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "too-short", "DJANGO_ALLOWED_HOSTS": "example.org"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": get_random_secret_key()}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": get_random_secret_key(), "DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
    ],
    ids=["no-secret", "short-secret", "no-hosts", "any-host"],
)  # fmt: skip
def test_production_settings_refuse_to_start_without_their_secrets(variables, named):
    result = _run(["-c", "import relhealth.settings.production"], **variables)
    assert result.returncode != 0
    assert named in result.stderr


def _deploy_check(**variables: str) -> subprocess.CompletedProcess:
    variables.setdefault("DJANGO_SETTINGS_MODULE", "relhealth.settings.production")
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **variables)


def test_production_settings_pass_the_deploy_check():
    secret = get_random_secret_key()
    assert len(secret) == 50
    result = _deploy_check(
        DJANGO_SECRET_KEY=secret, DJANGO_ALLOWED_HOSTS="example.org", **REAL_MAIL
    )
    assert result.returncode == 0, result.stdout + result.stderr


DEMO_MAIL_CASES = [
    pytest.param({}, {"DEFAULT_FROM_EMAIL", "RELHEALTH_BASE_URL"}, id="defaults"),
    pytest.param(
        {**REAL_MAIL, "DEFAULT_FROM_EMAIL": "Relhealth <pulse@example.com>"},
        {"DEFAULT_FROM_EMAIL"},
        id="example-sender",
    ),
    pytest.param(
        {**REAL_MAIL, "RELHEALTH_BASE_URL": "http://pulse.acme-corp.eu"},
        {"RELHEALTH_BASE_URL"},
        id="http-links",
    ),
    pytest.param(
        {**REAL_MAIL, "RELHEALTH_BASE_URL": "https://127.0.0.1:8000"},
        {"RELHEALTH_BASE_URL"},
        id="loopback-links",
    ),
]
MAIL_CHECK_IDS = {"DEFAULT_FROM_EMAIL": "relhealth.E101", "RELHEALTH_BASE_URL": "relhealth.E102"}


@pytest.mark.parametrize(("mail", "named"), DEMO_MAIL_CASES)
def test_production_refuses_to_start_with_demo_mail_settings(mail, named):
    secrets = {"DJANGO_SECRET_KEY": get_random_secret_key(), "DJANGO_ALLOWED_HOSTS": "example.org"}
    result = _run(["-c", "import relhealth.settings.production"], **secrets, **mail)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert {name for name in MAIL_CHECK_IDS if f"{name}:" in result.stderr} == named


@pytest.mark.parametrize(("mail", "named"), DEMO_MAIL_CASES)
def test_a_local_trial_starts_but_the_deploy_check_reports_its_mail(mail, named):
    result = _deploy_check(
        DJANGO_SECRET_KEY=get_random_secret_key(),
        DJANGO_ALLOWED_HOSTS="example.org",
        RELHEALTH_ALLOW_LOCAL_MAIL="true",
        **mail,
    )
    assert result.returncode != 0
    reported = {name for name, check_id in MAIL_CHECK_IDS.items() if check_id in result.stderr}
    assert reported == named, result.stderr


def _interpolate(value: str, shell: dict[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        if shell.get(name):
            return shell[name]
        assert operator != "?", f"compose would refuse to start without {name}: {argument}"
        return argument if operator == "-" else ""

    return INTERPOLATION.sub(substitute, str(value))


def test_compose_environment_passes_the_deploy_check():
    """The web service's own environment, defaults filled in as compose would, behind TLS."""
    shell = {
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        **REAL_MAIL,
    }
    environment = {
        name: _interpolate(value, shell) for name, value in SERVICES["web"]["environment"].items()
    }
    assert environment["DJANGO_SECRET_KEY"] == shell["DJANGO_SECRET_KEY"]
    result = _deploy_check(**environment)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_refuses_to_start_without_a_secret():
    with pytest.raises(AssertionError, match="DJANGO_SECRET_KEY"):
        _interpolate(SERVICES["web"]["environment"]["DJANGO_SECRET_KEY"], {})


def test_dockerfile_build_arguments_let_collectstatic_run():
    build_args = _dockerfile_args()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"} <= set(build_args)
    assert "collectstatic --noinput" in DOCKERFILE
    result = _run(
        ["manage.py", "collectstatic", "--noinput", "--dry-run"],
        DJANGO_SETTINGS_MODULE="relhealth.settings.production",
        **build_args,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_secret_starting_with_a_dollar_sign_is_taken_literally():
    """django-environ reads "$NAME" as a reference to another variable; a random key may start so."""
    secret = "$" + "x" * 60
    code = f"from relhealth.settings import production as p; print(p.SECRET_KEY == {secret!r})"
    result = _run(
        ["-c", code], DJANGO_SECRET_KEY=secret, DJANGO_ALLOWED_HOSTS="example.org", **REAL_MAIL
    )
    assert result.stdout.strip() == "True", result.stderr

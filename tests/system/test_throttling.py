"""Login throttling (django-axes) and check-in rate limits (django-ratelimit): promise S3."""

import pytest
from django.urls import reverse

from checkins.models import Response
from checkins.services.tokens import participation_token


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def test_five_wrong_passwords_pause_sign_in(client, axes_on, employee, password):
    login = reverse("login")
    for _ in range(5):
        page = client.post(login, {"username": employee.email, "password": "wrong"})
    assert page.status_code in (200, 429)
    page = client.post(login, {"username": employee.email, "password": password})
    assert page.status_code == 429
    assert "paused for 15 minutes" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_right_password_still_works_after_a_few_mistakes(client, axes_on, employee, password):
    login = reverse("login")
    for _ in range(3):
        client.post(login, {"username": employee.email, "password": "wrong"})
    page = client.post(login, {"username": employee.email, "password": password})
    assert page.status_code == 302 and client.session["_auth_user_id"] == str(employee.pk)


def test_a_hammered_checkin_link_gets_a_429_and_stores_nothing(
    client, settings, open_round, employee
):
    settings.RELHEALTH_CHECKIN_RATE = "2/m"
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    for _ in range(2):
        assert client.post(link, {"comment": "x"}).status_code == 400
    page = client.post(link, {"comment": "x"})
    assert page.status_code == 429 and "Too many attempts" in page.content.decode()
    assert client.get(link).status_code == 200  # reading the form is not limited
    assert Response.objects.count() == 0


def test_checkins_are_stored_while_redis_is_down(client, settings, open_round, employee):
    """Promise D2: the rate limiter's cache is Redis, and it fails open."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    link = reverse(
        "checkins:form", args=[participation_token(round_id=open_round.pk, person_id=employee.pk)]
    )
    data = {
        f"q{v.pk}": ("8" if v.question.scale == "zero_ten" else "4")
        for v in open_round.question_versions.select_related("question")
    }
    assert client.post(link, data).status_code == 302
    assert Response.objects.filter(round=open_round).count() == 1

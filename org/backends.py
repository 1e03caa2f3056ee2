"""Password sign-in for the people who may sign in (org.selectors.person_may_sign_in).

Django asks `user_can_authenticate` at sign-in and again on every request that carries a session,
so an employee whose sign-in HR turned off is signed out on their next request.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from org.selectors import person_may_sign_in


class PersonBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and person_may_sign_in(person=user)

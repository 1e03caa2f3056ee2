"""Sign-in."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from org.sso import sso_enabled
from org.two_factor import signin_complete


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Single sign-on: a button when configured (org.sso).
        context["sso_label"] = settings.RELHEALTH_OIDC_BUTTON_LABEL if sso_enabled() else ""
        return context

    def form_valid(self, form) -> HttpResponse:
        # An enrolled second factor asks for a code before the person is signed in.
        person = form.get_user()
        return signin_complete(
            self.request, person=person, backend=person.backend, next_url=self.get_success_url()
        )

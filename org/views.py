"""Sign-in, and the pages behind "Forgot your password?" and the invitation link.

Django's own auth views, with the app's templates; emails go through the ledger (org.signals),
links come from org.tokens, and setting a password signs the person in and lands on their home.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from org.access_forms import PasswordResetRequestForm, PersonSetPasswordForm
from org.sso import sso_enabled
from org.tokens import invitation_token_generator, reset_token_generator
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


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "org/access/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("password_reset_done")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "org/access/password_reset_done.html"


@method_decorator(never_cache, name="dispatch")
class PasswordSetView(auth_views.PasswordResetConfirmView):
    """Set a password from an invitation link. An expired, used or altered link answers 400 with
    a page that says what to do."""

    template_name = "org/access/password_set.html"
    form_class = PersonSetPasswordForm
    token_generator = invitation_token_generator
    # Signing in afterwards goes through signin_complete (below), so an HR admin with a second
    # factor still gives their code: a reset link alone never opens their account.
    post_reset_login = False
    success_url = reverse_lazy("home")
    purpose = "invitation"
    done_message = _("Your password is set. Welcome to Relhealth.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(purpose=self.purpose, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_valid(self, form):
        super().form_valid(form)  # saves the password, forgets the link's session token
        messages.success(self.request, self.done_message)
        return signin_complete(
            self.request,
            person=form.user,
            backend="org.backends.PersonBackend",
            next_url=str(self.success_url),
        )


class PasswordResetConfirmView(PasswordSetView):
    token_generator = reset_token_generator
    purpose = "reset"
    done_message = _("Your new password is set.")

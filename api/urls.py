"""/api/v1/: the resources, the OpenAPI 3 schema and its docs (assets from the sidecar package);
and the HR screen for API tokens."""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from api import conversation_views, driver_views, hr_views, theme_views, views

app_name = "api"

# No ".json" suffix routes: JSON is the only format, and suffix routes would reach custom actions
# with an unexpected `format` argument (found by the access matrix: a 500).
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("teams", views.TeamViewSet, basename="team")
router.register("people", views.PersonViewSet, basename="person")
router.register("dimensions", views.DimensionViewSet, basename="dimension")
router.register("questions", views.QuestionViewSet, basename="question")
router.register("surveys", views.SurveyViewSet, basename="survey")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("me/checkins", views.MyCheckinViewSet, basename="my-checkin")

v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so no inline script is needed
    # and the site's CSP (script-src 'self') stays as it is.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("exports/scores.csv", views.ScoresExportView.as_view(), name="export-scores"),
    *conversation_views.urls,  # ADR 0031
    *theme_views.urls,  # issue 20
    path("teams/<int:pk>/drivers/", driver_views.TeamDriversView.as_view(), name="team-drivers"),
    path(
        "organisation/drivers/",
        driver_views.OrganisationDriversView.as_view(),
        name="organisation-drivers",
    ),
    path("", include(router.urls)),
    re_path(r"^[\s\S]*$", views.NotFoundView.as_view()),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("hr/api-tokens/", hr_views.tokens, name="hr-api-tokens"),
]

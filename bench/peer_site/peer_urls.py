"""The peer's URLs, as its README mounts them."""

from django.urls import include, path

urlpatterns = [path("survey/", include("survey.urls"))]

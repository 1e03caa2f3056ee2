"""The REST API, /api/v1/: one module per resource. Views check roles and shapes; the apps'
services and selectors do the work, with the same rules as the pages (org.permissions /
org.selectors, culture's engine)."""

from api.views.base import NotFoundView
from api.views.checkins import MyCheckinViewSet
from api.views.exports import ScoresExportView
from api.views.people import PersonViewSet
from api.views.questions import DimensionViewSet, QuestionViewSet
from api.views.surveys import RoundViewSet, SurveyViewSet
from api.views.teams import TeamViewSet

__all__ = [
    "DimensionViewSet",
    "MyCheckinViewSet",
    "NotFoundView",
    "PersonViewSet",
    "QuestionViewSet",
    "RoundViewSet",
    "ScoresExportView",
    "SurveyViewSet",
    "TeamViewSet",
]

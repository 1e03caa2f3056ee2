from django.urls import path

from checkins import conversation_views, hr_bank_views, hr_survey_views, hr_views, views

app_name = "checkins"

urlpatterns = [
    path("c/thanks/", views.checkin_thanks, name="thanks"),
    path("c/<str:token>/", views.checkin_form, name="form"),
    path("hr/questions/", hr_views.question_list, name="hr-questions"),
    path("hr/questions/<int:pk>/", hr_views.question_edit, name="hr-question-edit"),
    path("hr/questions/new/", hr_bank_views.question_new, name="hr-question-new"),
    path("hr/questions/import/", hr_bank_views.instrument_import_view, name="hr-question-import"),
    path(
        "hr/questions/<int:pk>/retire/",
        hr_bank_views.question_state,
        {"active": False},
        name="hr-question-retire",
    ),
    path(
        "hr/questions/<int:pk>/reactivate/",
        hr_bank_views.question_state,
        {"active": True},
        name="hr-question-reactivate",
    ),
    path("hr/dimensions/", hr_bank_views.dimension_list, name="hr-dimensions"),
    path("hr/dimensions/<int:pk>/edit/", hr_bank_views.dimension_edit, name="hr-dimension-edit"),
    path("hr/surveys/", hr_survey_views.survey_list, name="hr-surveys"),
    path("hr/surveys/new/", hr_survey_views.survey_edit, name="hr-survey-new"),
    path("hr/surveys/<int:pk>/", hr_survey_views.survey_detail, name="hr-survey"),
    path("hr/surveys/<int:pk>/edit/", hr_survey_views.survey_edit, name="hr-survey-edit"),
    path(
        "hr/surveys/<int:pk>/pause/",
        hr_survey_views.survey_state,
        {"action": "pause"},
        name="hr-survey-pause",
    ),
    path(
        "hr/surveys/<int:pk>/resume/",
        hr_survey_views.survey_state,
        {"action": "resume"},
        name="hr-survey-resume",
    ),
    path(
        "hr/surveys/<int:pk>/round/",
        hr_survey_views.survey_state,
        {"action": "round"},
        name="hr-survey-round",
    ),
]

# The author's side of a conversation (ADR 0031); its own prefix, so the log filter and the
# anonymous-page middleware recognise it.
urlpatterns += [
    path("t/<str:secret>/", conversation_views.author_thread, name="conversation"),
    path(
        "t/<str:secret>/status/",
        conversation_views.author_thread_status,
        name="conversation-status",
    ),
]

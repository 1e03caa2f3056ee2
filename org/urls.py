from django.urls import path

from org import hr_admin_views, hr_governance_views, hr_import_views, hr_views

app_name = "org"

urlpatterns = [
    path("hr/people/", hr_views.people_list, name="hr-people"),
    path("hr/people/new/", hr_views.person_edit, name="hr-person-new"),
    path("hr/people/<int:pk>/", hr_views.person_edit, name="hr-person-edit"),
    path("hr/people/sign-in/", hr_views.sign_in_settings_edit, name="hr-sign-in"),
    path("hr/people/import/", hr_import_views.people_import_view, name="hr-people-import"),
    path(
        "hr/people/import/<int:pk>/",
        hr_import_views.people_import_job_view,
        name="hr-people-import-job",
    ),
    path(
        "hr/people/import/<int:pk>/status/",
        hr_import_views.people_import_job_status,
        name="hr-people-import-job-status",
    ),
    path(
        "hr/people/import/<int:pk>/apply/",
        hr_import_views.people_import_job_apply_view,
        name="hr-people-import-job-apply",
    ),
    path(
        "hr/people/import/<int:pk>/errors.csv",
        hr_import_views.people_import_job_errors,
        name="hr-people-import-job-errors",
    ),
    path("hr/teams/", hr_views.team_list, name="hr-teams"),
    path("hr/teams/new/", hr_views.team_edit, name="hr-team-new"),
    path("hr/teams/<int:pk>/", hr_views.team_edit, name="hr-team-edit"),
    path("hr/threshold/", hr_admin_views.threshold_edit, name="hr-threshold"),
    path("hr/audit/", hr_admin_views.audit_log, name="hr-audit"),
    path("hr/retention/", hr_governance_views.retention_edit, name="hr-retention"),
    path(
        "hr/people/<int:pk>/erase/", hr_governance_views.person_erase_view, name="hr-person-erase"
    ),
]

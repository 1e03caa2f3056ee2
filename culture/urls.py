from django.urls import path

from culture import focus_views, views

app_name = "culture"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
    path("organisation/", views.organisation, name="organisation"),
    path("teams/<int:team_id>/focus/", focus_views.focus_set, name="focus-set"),
    path(
        "teams/<int:team_id>/focus/<int:focus_id>/actions/",
        focus_views.action_add,
        name="action-add",
    ),
    path(
        "teams/<int:team_id>/focus/<int:focus_id>/actions/<int:action_id>/done/",
        focus_views.action_done,
        name="action-done",
    ),
]

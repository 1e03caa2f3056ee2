from django.urls import path

from culture import views

app_name = "culture"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
]

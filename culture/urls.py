from django.urls import path

from culture import conversation_views, focus_views, views

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
    # Conversations about shown comments (ADR 0031).
    path(
        "teams/<int:team_id>/threads/<uuid:thread_id>/reply/",
        conversation_views.thread_reply,
        name="thread-reply",
    ),
    path(
        "teams/<int:team_id>/threads/<uuid:thread_id>/heard/",
        conversation_views.thread_act,
        {"act": "heard"},
        name="thread-heard",
    ),
    path(
        "teams/<int:team_id>/threads/<uuid:thread_id>/close/",
        conversation_views.thread_act,
        {"act": "close"},
        name="thread-close",
    ),
    path(
        "teams/<int:team_id>/threads/<uuid:thread_id>/messages/<uuid:message_id>/hide/",
        conversation_views.message_hide_view,
        name="message-hide",
    ),
]

from django.urls import path

from checkins import demo_views, hr_views, views

app_name = "checkins"

urlpatterns = [
    path("c/thanks/", views.checkin_thanks, name="thanks"),
    path("c/<str:token>/", views.checkin_form, name="form"),
    path("hr/questions/", hr_views.question_list, name="hr-questions"),
    path("hr/questions/<int:pk>/", hr_views.question_edit, name="hr-question-edit"),
    path("demo/outbox/", demo_views.outbox, name="outbox"),
]

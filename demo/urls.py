from django.urls import path

from demo import views

app_name = "demo"

urlpatterns = [
    path("demo/outbox/", views.outbox, name="outbox"),
]

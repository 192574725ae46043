from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.apply_done, name="apply_done"),
    path("progress/", views.progress_view, name="progress"),
    path("progress/leave/", views.leave, name="leave"),
    path("progress/rate/", views.rate, name="rate"),
    path("progress/report/", views.report, name="report"),
    path("progress/complaint/", views.complaint, name="complaint"),
]

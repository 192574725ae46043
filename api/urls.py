from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .errors import not_found
from .views.applications import ApplicationCreateView, ApplicationDetailView, ChangesView
from .views.payments import PaymentCreateView
from .views.records import (
    ComplaintCreateView,
    ContactCreateView,
    MeteringCreateView,
    OutageDecisionView,
)

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/applications/", ApplicationCreateView.as_view(), name="application-create"),
    path(
        "v1/applications/<str:number>/",
        ApplicationDetailView.as_view(),
        name="application-detail",
    ),
    path("v1/changes/", ChangesView.as_view(), name="changes"),
    path("v1/contacts/", ContactCreateView.as_view(), name="contact-create"),
    path("v1/metering-records/", MeteringCreateView.as_view(), name="metering-create"),
    path(
        "v1/outage-plans/<int:pk>/decision/",
        OutageDecisionView.as_view(),
        name="outage-decision",
    ),
    path("v1/complaints/", ComplaintCreateView.as_view(), name="complaint-create"),
    path("v1/payments/", PaymentCreateView.as_view(), name="payment-create"),
    # Anything else under /api/ answers in the API's error body, not the site's HTML 404 page.
    re_path(r"^.*$", not_found, name="not-found"),
]

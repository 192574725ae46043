"""The customer pages: plain Django views, no login; access to an application is by session
after verification (portal.services.access)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from applications.privacy import client_ip
from applications.services.errors import TransitionRefused

from . import settings as portal_settings
from .forms import ApplyForm, ComplaintForm, LookupForm, OffRecordForm, RatingForm
from .services import access, feedback
from .services.apply import apply_online
from .services.progress import FIVE_STEPS, progress
from .services.throttle import allowed

HOUR, DAY = 3600, 86400
TOO_MANY = gettext_lazy("操作过于频繁，请稍后再试。")
DONE_KEY = "portal_applied"


def _limit(name: str) -> int:
    return int(portal_settings.get(name))


def _refused(form, exc: TransitionRefused) -> None:
    for reason in exc.reasons:
        form.add_error(None, reason)


@csrf_protect
@require_http_methods(["GET", "POST"])
def apply(request):
    """Apply online; on success the application number is shown at once (apply_done)."""
    form = ApplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        phone = request.POST.get("phone", "").replace("-", "").strip()
        ok = allowed(
            ("apply-ip", client_ip(request), _limit("YEKUO_PORTAL_APPLY_PER_IP"), DAY),
            ("apply-phone", phone, _limit("YEKUO_PORTAL_APPLY_PER_PHONE"), DAY),
        )
        if not ok:
            form.is_valid()
            form.add_error(None, TOO_MANY)
            return render(request, "portal/apply.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                application = apply_online(**form.application_fields(), documents=form.documents())
            except TransitionRefused as exc:
                _refused(form, exc)
            else:
                access.grant(request, application)  # the applicant just gave the phone on file
                request.session[DONE_KEY] = application.number
                return redirect("portal:apply_done")
    return render(request, "portal/apply.html", {"form": form, "steps": FIVE_STEPS})


def apply_done(request):
    number = request.session.get(DONE_KEY)
    if not number:
        return redirect("portal:apply")
    return render(request, "portal/apply_done.html", {"number": number})


def _progress_page(request, application, status=200, **forms):
    context = {
        "p": progress(application),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "report_form": forms.get("report_form") or OffRecordForm(),
        "complaint_form": forms.get("complaint_form") or ComplaintForm(),
        "rating_refusal": feedback.rating_refusal(application),
        "session_minutes": _limit("YEKUO_PORTAL_SESSION_MINUTES"),
    }
    return render(request, "portal/progress.html", context, status=status)


@csrf_protect
@require_http_methods(["GET", "POST"])
def progress_view(request):
    """Look an application up (number + phone on file, or + one-time code), then show it."""
    if request.method == "GET":
        application = access.granted(request)
        if application is not None:
            return _progress_page(request, application)
        return render(request, "portal/lookup.html", {"form": LookupForm()})

    form = LookupForm(request.POST)
    action = request.POST.get("action", "verify")
    number = access.normalized_number(request.POST.get("number", ""))
    with access.Floor():  # same least time for every answer below
        ok = allowed(
            ("lookup-ip", client_ip(request), _limit("YEKUO_PORTAL_LOOKUPS_PER_IP"), HOUR),
            ("lookup-number", number, _limit("YEKUO_PORTAL_LOOKUPS_PER_NUMBER"), HOUR),
        )
        if not ok:
            form.is_valid()
            form.add_error(None, TOO_MANY)
            return render(request, "portal/lookup.html", {"form": form}, status=429)
        if not form.is_valid():
            return render(request, "portal/lookup.html", {"form": form})
        data = form.cleaned_data
        if action == "send_code":
            access.request_code(data["number"])
            again = LookupForm(initial={"number": data["number"]})
            context = {"form": again, "notice": access.CODE_SENT}
            return render(request, "portal/lookup.html", context)
        if data["code"]:
            application = access.verify_code(data["number"], data["code"])
        else:
            application = access.verify_phone(data["number"], data["phone"])
        if application is None:
            form.add_error(None, access.FAILED)
            return render(request, "portal/lookup.html", {"form": form})
        access.grant(request, application)
    return redirect("portal:progress")


@require_POST
def leave(request):
    access.revoke(request)
    return redirect("portal:progress")


def _verified(view):
    """POST-only actions on the verified application; back to the lookup when expired."""

    @csrf_protect
    @require_POST
    def wrapped(request):
        application = access.granted(request)
        if application is None:
            messages.error(request, _("验证已过期，请重新查询。"))
            return redirect("portal:progress")
        return view(request, application)

    wrapped.__name__ = view.__name__
    return wrapped


def _messages_allowed(request, application) -> bool:
    limit = _limit("YEKUO_PORTAL_MESSAGES_PER_APPLICATION")
    return allowed(
        ("messages", str(application.pk), limit, HOUR),
        ("messages-ip", client_ip(request), 4 * limit, HOUR),
    )


def _submit(request, application, form, form_name: str, act, *, throttled: bool = False):
    """The customer's form on the progress page: throttled if asked, validated, `act(data)`
    (a service; it returns the success message) — back to the page on success, else the page
    again with the form's errors or the service's refusal."""
    if throttled and not _messages_allowed(request, application):
        form.is_valid()
        form.add_error(None, TOO_MANY)
        return _progress_page(request, application, status=429, **{form_name: form})
    if form.is_valid():
        try:
            success = act(form.cleaned_data)
        except TransitionRefused as exc:
            _refused(form, exc)
        else:
            messages.success(request, success)
            return redirect("portal:progress")
    return _progress_page(request, application, status=400, **{form_name: form})


@_verified
def rate(request, application):
    def act(data):
        feedback.rate(application, score=data["score"], comment=data["comment"])
        return _("感谢您的评价！")

    return _submit(request, application, RatingForm(request.POST), "rating_form", act)


@_verified
def report(request, application):
    def act(data):
        feedback.report_off_record(application, words=data["words"])
        return _("已收到您的反映，监督人员将核查处理。")

    form = OffRecordForm(request.POST)
    return _submit(request, application, form, "report_form", act, throttled=True)


@_verified
def complaint(request, application):
    def act(data):
        record = feedback.complain(application, **data)
        return _("已受理，编号%(number)s，我们将在%(days)s个工作日内答复。") % {
            "number": record.number,
            "days": record.reply_working_days,
        }

    form = ComplaintForm(request.POST)
    return _submit(request, application, form, "complaint_form", act, throttled=True)

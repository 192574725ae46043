"""The customer pages' settings (YEKUO_PORTAL_*), with their defaults, read when used."""

from django.conf import settings

DEFAULTS = {
    # Applications per client address and per phone number, per day.
    "YEKUO_PORTAL_APPLY_PER_IP": 10,
    "YEKUO_PORTAL_APPLY_PER_PHONE": 3,
    # Progress lookups (and code requests) per client address and per application number,
    # per hour. Every attempt counts, right or wrong, so the limit itself reveals nothing.
    "YEKUO_PORTAL_LOOKUPS_PER_IP": 30,
    "YEKUO_PORTAL_LOOKUPS_PER_NUMBER": 10,
    # Reports and complaints about one application (and 4× that from one address), per hour.
    "YEKUO_PORTAL_MESSAGES_PER_APPLICATION": 5,
    # One-time codes: minutes valid, and tries before the code is void.
    "YEKUO_PORTAL_OTP_MINUTES": 10,
    "YEKUO_PORTAL_OTP_TRIES": 5,
    # Minutes a verified session may see its application without verifying again.
    "YEKUO_PORTAL_SESSION_MINUTES": 30,
    # Every lookup answer takes at least this long, so a wrong number and a wrong phone (or a
    # code sent and a code not sent) cannot be told apart by timing.
    "YEKUO_PORTAL_LOOKUP_MIN_MS": 400,
    # Where a one-time code goes: the SMS gateway's e-mail interface, {phone} filled in, sent
    # with Django's e-mail backend (the console in the demo).
    "YEKUO_PORTAL_SMS_EMAIL": "{phone}@sms.localhost",
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])

"""Template context for every page: the user's unread notifications, counted only if shown."""

from functools import partial

from . import inbox as inbox_services


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    # A callable: the template calls it (one COUNT on an index) only where the header shows it.
    return {"unread_notification_count": partial(inbox_services.unread_count, user)}

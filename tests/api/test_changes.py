"""The change feed: every save after a cursor, oldest first, with a cursor that only grows."""

import pytest
from django.utils import timezone

from api.models import ApplicationChange
from applications.states import State

from .conftest import application_body, calling

URL = "/api/v1/changes/"


def feed(api, cursor=None, limit=None):
    params = {k: v for k, v in {"cursor": cursor, "limit": limit}.items() if v is not None}
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()


def test_changes_since_a_cursor_page_by_page(hotline, make_app, walker):
    first, second = make_app(), make_app()

    page = feed(hotline, limit=1)
    assert [(c["number"], c["created"]) for c in page["changes"]] == [(first.number, True)]
    assert page["has_more"] is True
    page = feed(hotline, page["next_cursor"])
    assert [c["number"] for c in page["changes"]] == [second.number]
    assert page["has_more"] is False
    caught_up = page["next_cursor"]
    assert feed(hotline, caught_up)["changes"] == []
    assert feed(hotline, caught_up)["next_cursor"] == caught_up  # nothing new: same cursor

    walker.step(first, timezone.now())  # accept → scheme: one more change, after the cursor

    page = feed(hotline, caught_up)
    assert [(c["number"], c["state"], c["created"]) for c in page["changes"]] == [
        (first.number, State.SCHEME, False)
    ]
    assert page["next_cursor"] != caught_up


def test_the_feed_holds_only_the_systems_units(hotline, make_app, other_units_app):
    mine = make_app()

    assert [c["number"] for c in feed(hotline)["changes"]] == [mine.number]


def test_a_rolled_back_save_leaves_no_change(hotline, unit):
    hotline.post(
        "/api/v1/applications/", application_body(unit, supply_voltage="10kV"), format="json"
    )

    assert not ApplicationChange.objects.exists()
    assert feed(hotline)["changes"] == []


@pytest.mark.parametrize("cursor", ["abc", "1", "-1.5", "1.2.3"])
def test_a_bad_cursor_is_refused_in_chinese(hotline, cursor):
    response = hotline.get(URL, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["errors"] == ["cursor：游标无效：请使用上次返回的 next_cursor。"]


def test_limit_is_bounded(hotline):
    response = hotline.get(URL, {"limit": "0"})

    assert response.status_code == 400
    assert response.json()["errors"] == ["limit：每页条数须为1到500之间的整数。"]


def test_reading_needs_the_read_scope(make_system):
    _client, raw = make_system(scopes=[])
    assert calling(raw).get(URL).status_code == 403

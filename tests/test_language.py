"""Simplified Chinese first, whatever the browser says; English when the user chooses it."""

from django.urls import reverse


def test_chinese_even_for_an_english_browser(admin_client):
    page = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.headers["Content-Language"] == "zh-hans"
    assert "业扩报装时限管控系统" in page.text


def test_english_when_chosen(admin_client):
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    page = admin_client.get(reverse("admin:applications_application_changelist"))
    assert page.headers["Content-Language"] == "en"
    assert "Connection application" in page.text
    assert "业扩报装时限管控系统" not in page.text


def test_a_users_language_does_not_outlive_the_request(admin_client):
    from django.utils.translation import gettext

    admin_client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    admin_client.get(reverse("admin:index"))
    assert gettext("业扩申请") == "业扩申请"


def test_django_wording_wins_over_the_api_librarys():
    """DRF's zh-hans catalogue words a few of Django's messages differently; the admin, the
    customer pages and the API must all say what Django says (yekuo/wording)."""
    from django.core.exceptions import ValidationError
    from django.forms import CharField
    from django.utils import translation

    with translation.override("zh-hans"):
        try:
            CharField().clean("")
        except ValidationError as exc:
            assert exc.messages == ["这个字段是必填项。"]
        else:
            raise AssertionError("an empty required field must be refused")
        assert translation.gettext("Enter a valid URL.") == "输入一个有效的 URL。"

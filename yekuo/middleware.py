"""Language selection: Simplified Chinese unless the user chose another language."""

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Activate the language from the user's choice (the set_language cookie), else zh-hans.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a staff member on an
    English-language browser would get English pages; the company's working language comes first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() restores the previous language afterwards, so a worker thread (or a test)
        # never carries one user's language into the next piece of work.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response

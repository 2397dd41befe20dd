"""Language selection: Bahasa Indonesia first.

Django's LocaleMiddleware follows the browser's Accept-Language, so a phone set to English would
get English pages. Loket serves Indonesian unless the visitor picked another language with the
switch in the header (stored in the language cookie by Django's ``set_language`` view).
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class IndonesianFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response

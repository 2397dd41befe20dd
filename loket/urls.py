from django.contrib import admin
from django.urls import include, path

from loket import views
from loket.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("layanan/", include("loket.catalog.urls")),
    path("kantor/", include("loket.offices.urls")),
    path("akun/", include("loket.accounts.urls")),
    path("antrean/", include("loket.queueing.urls")),
    path("permohonan/", include("loket.permohonan.urls")),
    path("surat/", include("loket.letters.urls")),
    path("notifikasi/", include("loket.notifications.urls")),
    path("", include("loket.signing.urls")),  # /tanda-tangan/ (officials), /verifikasi/ (anyone)
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

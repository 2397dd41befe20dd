"""Signing pages: the official's inbox under /tanda-tangan/, the public verification under /verifikasi/."""

from django.urls import path

from loket.signing import views

app_name = "signing"
urlpatterns = [
    path("tanda-tangan/", views.inbox, name="inbox"),
    path("tanda-tangan/pin/", views.change_pin, name="change_pin"),
    path("tanda-tangan/<int:pk>/dokumen/", views.preview, name="preview"),
    path("tanda-tangan/<int:pk>/cabut/", views.revoke, name="revoke"),
    path("verifikasi/", views.verify_upload, name="verify_upload"),
    path("verifikasi/<str:token>/", views.verify, name="verify"),
]

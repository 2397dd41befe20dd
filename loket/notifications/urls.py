from django.urls import path

from loket.notifications import views

app_name = "notifications"
urlpatterns = [
    path("verifikasi-telepon/", views.verify_phone_view, name="verify_phone"),
    path("masuk-kode/", views.login_code_view, name="login_code"),
    path("preferensi/", views.preferences_view, name="preferences"),
    path("verifikasi-email/", views.send_email_link_view, name="send_email_link"),
    path("verifikasi-email/<str:token>/", views.verify_email_link_view, name="verify_email_link"),
    path("laporan-kirim/<slug:channel>/", views.receipts_webhook_view, name="receipts"),
]

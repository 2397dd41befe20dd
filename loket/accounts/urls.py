from django.urls import path

from loket.accounts import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("keluar/", views.logout_view, name="logout"),
    path("daftar/", views.register_view, name="register"),
    path("", views.dashboard_view, name="dashboard"),
    path("petugas/", views.officers_view, name="officers"),
]

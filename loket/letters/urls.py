"""Letter pages under /surat/: the office admin's letterhead, numbering and letter templates."""

from django.urls import path

from loket.letters import views

app_name = "letters"
urlpatterns = [
    path("kelola/", views.manage_index, name="manage_index"),
    path("kelola/<slug:slug>/", views.manage, name="manage"),
    path("kelola/<slug:slug>/templat/<slug:service_slug>/", views.template, name="template"),
]

"""Request pages under /permohonan/: the citizen's requests, starting one (service, office), the
form, the status page and the uploaded files. (``ambil/<token>/``, name ``pickup``, is the staff's
pickup scan.)"""

from django.urls import path

from loket.permohonan import views_citizen, views_staff

app_name = "permohonan"
urlpatterns = [
    # Staff (before the citizens' "<code>/" routes, which would match "kerja/" too)
    path("kerja/", views_staff.worklist_index, name="worklist_index"),
    path("kerja/kantor/<slug:slug>/", views_staff.worklist, name="worklist"),
    path("kerja/kantor/<slug:slug>/serah-terima/", views_staff.handover, name="handover"),
    path("kerja/<str:code>/", views_staff.staff_detail, name="staff_detail"),
    path("kerja/<str:code>/pratinjau/", views_staff.letter_preview, name="letter_preview"),
    path("kerja/<str:code>/surat/", views_staff.letter_file, name="letter_file"),
    path("ambil/<str:token>/", views_staff.pickup, name="pickup"),
    # Citizens
    path("", views_citizen.my_requests, name="my_requests"),
    path("ajukan/", views_citizen.choose_service, name="choose_service"),
    path("ajukan/<slug:service_slug>/", views_citizen.choose_office, name="choose_office"),
    path("<str:code>/isi/", views_citizen.fill, name="fill"),
    path("<str:code>/berkas/<int:pk>/", views_citizen.upload_file, name="upload_file"),
    path("<str:code>/surat/", views_citizen.letter, name="letter"),
    path("<str:code>/", views_citizen.detail, name="detail"),
]

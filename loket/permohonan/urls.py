"""Request pages under /permohonan/: the citizen's requests, starting one (service, office), the
form, the status page and the uploaded files. (``ambil/<token>/``, name ``pickup``, is the staff's
pickup scan.)"""

from django.urls import path

from loket.permohonan.views import citizen, staff

app_name = "permohonan"
urlpatterns = [
    # Staff (before the citizens' "<code>/" routes, which would match "kerja/" too)
    path("kerja/", staff.worklist_index, name="worklist_index"),
    path("kerja/kantor/<slug:slug>/", staff.worklist, name="worklist"),
    path("kerja/kantor/<slug:slug>/serah-terima/", staff.handover, name="handover"),
    path("kerja/<str:code>/", staff.staff_detail, name="staff_detail"),
    path("kerja/<str:code>/pratinjau/", staff.letter_preview, name="letter_preview"),
    path("kerja/<str:code>/surat/", staff.letter_file, name="letter_file"),
    path("ambil/<str:token>/", staff.pickup, name="pickup"),
    # Citizens
    path("", citizen.my_requests, name="my_requests"),
    path("ajukan/", citizen.choose_service, name="choose_service"),
    path("ajukan/<slug:service_slug>/", citizen.choose_office, name="choose_office"),
    path("<str:code>/isi/", citizen.fill, name="fill"),
    path("<str:code>/berkas/<int:pk>/", citizen.upload_file, name="upload_file"),
    path("<str:code>/surat/", citizen.letter, name="letter"),
    path("<str:code>/", citizen.detail, name="detail"),
]

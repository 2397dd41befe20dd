"""Queue pages under /antrean/: citizens (booking, my tickets), the office desk and counters
(petugas), the waiting room (display board, live status, a ticket's public status), the kiosk and
the office admin's queue settings."""

from django.urls import path

from loket.queueing.views import board, citizen, desk, kiosk, manage, printing

app_name = "queueing"
urlpatterns = [
    # Citizens
    path("", citizen.my_tickets, name="my_tickets"),
    path("ambil/", citizen.choose_service, name="book_service"),
    path("ambil/<slug:service_slug>/", citizen.choose_office, name="book_office"),
    path("ambil/<slug:service_slug>/<slug:slug>/", citizen.choose_slot, name="book_slot"),
    path("tiket/<str:token>/", citizen.ticket_detail, name="ticket"),
    # The waiting room (public)
    path("t/<str:token>/", board.ticket_status, name="ticket_status"),
    path("papan/<slug:slug>/", board.board, name="board"),
    path("papan/<slug:slug>/data/", board.board_data, name="board_data"),
    path("status/<slug:slug>/", board.office_status, name="office_status"),
    # Petugas: the office desk and the counters
    path("petugas/", desk.desk_index, name="desk_index"),
    path("petugas/<slug:slug>/", desk.desk, name="desk"),
    path("petugas/<slug:slug>/loket/<int:number>/", desk.counter, name="counter"),
    path("petugas/<slug:slug>/tiket/<str:token>/cetak/", printing.ticket_print, name="ticket_print"),
    path("petugas/<slug:slug>/tiket/<str:token>/escpos/", printing.ticket_escpos, name="ticket_escpos"),
    # The kiosk (touch screen) of an office
    path("kiosk/<slug:slug>/", kiosk.kiosk, name="kiosk"),
    path("kelola/", manage.manage_index, name="manage_index"),
    path("kelola/<slug:slug>/", manage.manage, name="manage"),
]

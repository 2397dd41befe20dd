"""Queue pages under /antrean/: citizens (booking, my tickets), the office desk and counters
(petugas), the waiting room (display board, live status, a ticket's public status), the kiosk and
the office admin's queue settings."""

from django.urls import path

from loket.queueing import views_board, views_citizen, views_desk, views_kiosk, views_manage, views_print

app_name = "queueing"
urlpatterns = [
    # Citizens
    path("", views_citizen.my_tickets, name="my_tickets"),
    path("ambil/", views_citizen.choose_service, name="book_service"),
    path("ambil/<slug:service_slug>/", views_citizen.choose_office, name="book_office"),
    path("ambil/<slug:service_slug>/<slug:slug>/", views_citizen.choose_slot, name="book_slot"),
    path("tiket/<str:token>/", views_citizen.ticket_detail, name="ticket"),
    # The waiting room (public)
    path("t/<str:token>/", views_board.ticket_status, name="ticket_status"),
    path("papan/<slug:slug>/", views_board.board, name="board"),
    path("papan/<slug:slug>/data/", views_board.board_data, name="board_data"),
    path("status/<slug:slug>/", views_board.office_status, name="office_status"),
    # Petugas: the office desk and the counters
    path("petugas/", views_desk.desk_index, name="desk_index"),
    path("petugas/<slug:slug>/", views_desk.desk, name="desk"),
    path("petugas/<slug:slug>/loket/<int:number>/", views_desk.counter, name="counter"),
    path("petugas/<slug:slug>/tiket/<str:token>/cetak/", views_print.ticket_print, name="ticket_print"),
    path("petugas/<slug:slug>/tiket/<str:token>/escpos/", views_print.ticket_escpos, name="ticket_escpos"),
    # The kiosk (touch screen) of an office
    path("kiosk/<slug:slug>/", views_kiosk.kiosk, name="kiosk"),
    path("kelola/", views_manage.manage_index, name="manage_index"),
    path("kelola/<slug:slug>/", views_manage.manage, name="manage"),
]

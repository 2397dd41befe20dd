from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "loket.offices"
    label = "offices"
    verbose_name = "Kantor layanan"

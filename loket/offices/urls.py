from django.urls import path

from loket.offices.views import holidays, public, staff

app_name = "offices"
urlpatterns = [
    path("", public.office_list, name="list"),
    path("wilayah/<str:code>/", public.office_region, name="region"),
    path("<slug:slug>/", public.office_detail, name="detail"),
    # Staff pages
    path("kelola/jam/", staff.manage_hours_index, name="manage_hours_index"),
    path("kelola/<slug:slug>/jam/", staff.manage_hours, name="manage_hours"),
    path("kelola/<slug:slug>/jam-mingguan/", staff.manage_weekly_hours, name="manage_weekly_hours"),
    path("kelola/hari-libur/", holidays.manage_holidays, name="manage_holidays"),
]

from django.urls import path

from loket.offices import views, views_holidays, views_staff

app_name = "offices"
urlpatterns = [
    path("", views.office_list, name="list"),
    path("wilayah/<str:code>/", views.office_region, name="region"),
    path("<slug:slug>/", views.office_detail, name="detail"),
    # Staff pages (loket/offices/views_staff.py)
    path("kelola/jam/", views_staff.manage_hours_index, name="manage_hours_index"),
    path("kelola/<slug:slug>/jam/", views_staff.manage_hours, name="manage_hours"),
    path("kelola/<slug:slug>/jam-mingguan/", views_staff.manage_weekly_hours, name="manage_weekly_hours"),
    path("kelola/hari-libur/", views_holidays.manage_holidays, name="manage_holidays"),
]

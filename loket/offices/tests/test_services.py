"""Services: who may change hours and holidays, the audit trail, and clear Indonesian messages."""

import datetime as dt

import pytest

from loket.audit.models import AuditEntry
from loket.core.errors import DomainError, NotAllowed
from loket.offices import selectors, services
from loket.offices.factories import OfficeFactory, ScheduleExceptionFactory, ensure_region
from loket.offices.models import Counter, Day, Holiday, HolidayKind, Office, OfficeKind, OpeningRule, ScheduleException
from loket.offices.services import RuleSpec, SessionSpec
from loket.offices.tests.conftest import make_officer

pytestmark = pytest.mark.django_db

T = dt.time.fromisoformat


def weekday_rules(opens="08:00", closes="16:00"):
    return [RuleSpec(day=d, opens=T(opens), closes=T(closes)) for d in range(5)]


class TestPermissions:
    def test_office_admin_of_another_office_is_refused(self):
        mine, theirs = OfficeFactory(), OfficeFactory()
        admin = make_officer("office_admin", office=mine)
        with pytest.raises(NotAllowed) as err:
            services.set_opening_rules(actor=admin, office=theirs, rules=weekday_rules())
        assert "Anda bukan admin" in str(err.value.message)
        assert not OpeningRule.objects.filter(office=theirs).exists()
        # their own office works
        services.set_opening_rules(actor=admin, office=mine, rules=weekday_rules())
        assert OpeningRule.objects.filter(office=mine).count() == 5

    def test_petugas_of_the_office_is_refused(self):
        office = OfficeFactory()
        petugas = make_officer("petugas_loket", office=office)
        with pytest.raises(NotAllowed):
            services.add_schedule_exception(
                actor=petugas, office=office, date=dt.date(2026, 9, 1), is_closed=True, reason="Rapat"
            )
        assert not ScheduleException.objects.exists()

    def test_city_admin_of_another_city_is_refused(self):
        tangsel_office = OfficeFactory()  # 36.74.04
        bekasi_admin = make_officer("city_admin", region=ensure_region("32.75"))
        tangsel_admin = make_officer("city_admin", region=ensure_region("36.74"))
        with pytest.raises(NotAllowed):
            services.add_counter(actor=bekasi_admin, office=tangsel_office, number=1)
        counter = services.add_counter(actor=tangsel_admin, office=tangsel_office, number=1, name="Adminduk")
        assert counter.office == tangsel_office

    def test_system_admin_may_change_any_office(self):
        office = OfficeFactory(wit=True)
        root = make_officer("system_admin")
        services.set_opening_rules(actor=root, office=office, rules=weekday_rules())
        assert len(selectors.sessions_on(office, dt.date(2026, 9, 7))) == 1

    def test_anonymous_user_is_refused(self):
        from django.contrib.auth.models import AnonymousUser

        with pytest.raises(NotAllowed):
            services.add_counter(actor=AnonymousUser(), office=OfficeFactory(), number=1)

    def test_create_office_by_city_admin_only_in_their_city(self):
        tangsel_admin = make_officer("city_admin", region=ensure_region("36.74"))
        office = services.create_office(
            actor=tangsel_admin,
            slug="kelurahan-serua",
            name="Kantor Kelurahan Serua",
            kind=OfficeKind.KELURAHAN,
            region=ensure_region("36.74.04.1003"),
            address="Jl. Serua",
        )
        assert Office.objects.get(slug="kelurahan-serua") == office
        with pytest.raises(NotAllowed):
            services.create_office(
                actor=tangsel_admin,
                slug="kecamatan-bekasi-timur",
                name="Kecamatan Bekasi Timur",
                kind=OfficeKind.KECAMATAN,
                region=ensure_region("32.75.01"),
                address="Jl. Bekasi",
            )
        office_admin = make_officer("office_admin", office=office)
        with pytest.raises(NotAllowed):
            services.create_office(
                actor=office_admin,
                slug="kantor-baru",
                name="Kantor Baru",
                kind=OfficeKind.KELURAHAN,
                region=ensure_region("36.74.04.1003"),
                address="Jl. Baru",
            )

    def test_national_holiday_needs_a_system_admin(self):
        city_admin = make_officer("city_admin", region=ensure_region("36.74"))
        with pytest.raises(NotAllowed) as err:
            services.add_holiday(
                actor=city_admin, date=dt.date(2026, 9, 1), name="Libur nasional", kind=HolidayKind.NATIONAL
            )
        assert "admin sistem" in str(err.value.message)
        services.add_holiday(
            actor=make_officer("system_admin"),
            date=dt.date(2026, 9, 1),
            name="Libur nasional",
            kind=HolidayKind.NATIONAL,
        )
        assert Holiday.objects.count() == 1

    def test_local_closure_needs_a_city_admin_of_that_region(self):
        tangsel, bekasi = ensure_region("36.74"), ensure_region("32.75")
        tangsel_admin = make_officer("city_admin", region=tangsel)
        with pytest.raises(NotAllowed):
            services.add_holiday(
                actor=tangsel_admin, date=dt.date(2026, 9, 1), name="Hari Jadi", kind=HolidayKind.LOCAL, region=bekasi
            )
        with pytest.raises(NotAllowed):  # everywhere = system admin only
            services.add_holiday(
                actor=tangsel_admin, date=dt.date(2026, 9, 1), name="Hari Jadi", kind=HolidayKind.LOCAL
            )
        office_admin = make_officer("office_admin", office=OfficeFactory())
        with pytest.raises(NotAllowed):
            services.add_holiday(
                actor=office_admin, date=dt.date(2026, 9, 1), name="Hari Jadi", kind=HolidayKind.LOCAL, region=tangsel
            )
        holiday = services.add_holiday(
            actor=tangsel_admin,
            date=dt.date(2026, 9, 1),
            name="Hari Jadi Tangsel",
            kind=HolidayKind.LOCAL,
            region=ensure_region("36.74.04"),
        )
        office = OfficeFactory(with_weekday_hours=True)
        assert selectors.day_schedule(office, dt.date(2026, 9, 1)).holiday_name == "Hari Jadi Tangsel"
        services.remove_holiday(actor=tangsel_admin, holiday=holiday)
        assert selectors.sessions_on(office, dt.date(2026, 9, 1)) != []


class TestAudit:
    def test_set_opening_rules_records_from_and_to(self):
        office = OfficeFactory(with_weekday_hours=True)
        admin = make_officer("office_admin", office=office)
        services.set_opening_rules(
            actor=admin,
            office=office,
            rules=[*weekday_rules("08:00", "21:00"), RuleSpec(day=Day.SATURDAY, opens=T("08:00"), closes=T("12:00"))],
        )
        entry = AuditEntry.objects.get(action="offices.hours.set")
        assert entry.actor == admin
        assert entry.office_id == office.pk
        assert "08:00–16:00" in entry.from_state
        assert "08:00–21:00" in entry.to_state and "Sabtu 08:00–12:00" in entry.to_state
        assert len(entry.data["to"]) == 6

    def test_exception_set_replace_and_remove_are_audited(self):
        office = OfficeFactory(with_weekday_hours=True)
        admin = make_officer("office_admin", office=office)
        date = dt.date(2026, 9, 8)
        services.add_schedule_exception(actor=admin, office=office, date=date, is_closed=True, reason="Rapat dinas")
        assert selectors.sessions_on(office, date) == []
        services.add_schedule_exception(
            actor=admin,
            office=office,
            date=date,
            is_closed=False,
            reason="Jam diubah",
            sessions=[(T("10:00"), T("14:00"), "Pagi")],
        )
        assert ScheduleException.objects.filter(office=office, date=date).count() == 1
        (session,) = selectors.sessions_on(office, date)
        assert (session.start.hour, session.end.hour, session.label) == (10, 14, "Pagi")
        exception = ScheduleException.objects.get(office=office, date=date)
        services.remove_schedule_exception(actor=admin, exception=exception)
        assert selectors.sessions_on(office, date)[0].start.hour == 8
        entries = list(AuditEntry.objects.filter(office_id=office.pk).order_by("id"))
        assert [e.action for e in entries] == [
            "offices.exception.set",
            "offices.exception.set",
            "offices.exception.remove",
        ]
        assert entries[0].to_state == "tutup"
        assert (entries[1].from_state, entries[1].to_state) == ("tutup", "10:00–14:00")
        assert entries[2].from_state == "10:00–14:00"
        assert all(e.actor == admin for e in entries)

    def test_holiday_and_counter_and_office_creation_are_audited(self):
        root = make_officer("system_admin")
        office = services.create_office(
            actor=root,
            slug="disdukcapil-kota-tegal",
            name="Disdukcapil Kota Tegal",
            kind=OfficeKind.DISDUKCAPIL,
            region=ensure_region("33.76"),
            address="Jl. Lele",
        )
        services.add_counter(actor=root, office=office, number=1)
        services.add_holiday(
            actor=root, date=dt.date(2026, 12, 24), name="Batal", kind=HolidayKind.CUTI_BERSAMA, cancelled=True
        )
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        assert {"offices.office.create", "offices.counter.add", "offices.holiday.cancel"} <= actions

    def test_refused_change_leaves_no_audit_row(self):
        office = OfficeFactory()
        outsider = make_officer("office_admin", office=OfficeFactory())
        with pytest.raises(NotAllowed):
            services.add_schedule_exception(
                actor=outsider, office=office, date=dt.date(2026, 9, 1), is_closed=True, reason="x"
            )
        assert not AuditEntry.objects.exists()


class TestValidation:
    def setup_method(self):
        self.office = OfficeFactory(with_weekday_hours=True)
        self.admin = make_officer("office_admin", office=self.office)

    def _exception(self, **kwargs):
        defaults = {"date": dt.date(2026, 9, 12), "is_closed": False, "reason": "Layanan akhir pekan"}
        return services.add_schedule_exception(actor=self.admin, office=self.office, **{**defaults, **kwargs})

    def test_same_opening_and_closing_time_is_refused(self):
        with pytest.raises(DomainError) as err:
            self._exception(sessions=[(T("08:00"), T("08:00"))])
        assert "jam buka dan jam tutup yang sama" in str(err.value.message)

    def test_session_past_midnight_is_accepted(self):
        self._exception(sessions=[(T("20:00"), T("02:00"))])
        (session,) = selectors.sessions_on(self.office, dt.date(2026, 9, 12))
        assert session.end == session.start + dt.timedelta(hours=6)

    def test_overlapping_sessions_are_refused(self):
        with pytest.raises(DomainError) as err:
            self._exception(sessions=[SessionSpec(T("08:00"), T("12:00")), SessionSpec(T("11:00"), T("14:00"))])
        assert "bertumpuk" in str(err.value.message)
        assert "08:00–12:00" in str(err.value.message)
        assert not ScheduleException.objects.exists()

    def test_back_to_back_sessions_are_fine(self):
        self._exception(sessions=[(T("08:00"), T("12:00")), (T("12:00"), T("14:00"))])
        assert len(selectors.sessions_on(self.office, dt.date(2026, 9, 12))) == 2

    def test_open_day_needs_sessions_and_closed_day_none(self):
        with pytest.raises(DomainError) as err:
            self._exception(sessions=[])
        assert "Isi minimal satu sesi" in str(err.value.message)
        with pytest.raises(DomainError) as err:
            self._exception(is_closed=True, sessions=[(T("08:00"), T("12:00"))])
        assert "tidak boleh punya sesi" in str(err.value.message)

    def test_reason_is_required(self):
        with pytest.raises(DomainError) as err:
            self._exception(reason="  ", sessions=[(T("08:00"), T("12:00"))])
        assert "Isi alasannya" in str(err.value.message)

    def test_weekly_rules_overlap_refused_and_old_rules_kept(self):
        with pytest.raises(DomainError) as err:
            services.set_opening_rules(
                actor=self.admin,
                office=self.office,
                rules=[(Day.FRIDAY, T("08:00"), T("16:00")), (Day.FRIDAY, T("15:00"), T("22:00"))],
            )
        assert "Jumat" in str(err.value.message) and "bertumpuk" in str(err.value.message)
        assert OpeningRule.objects.filter(office=self.office).count() == 5

    def test_weekly_session_past_midnight_overlapping_next_day_refused(self):
        with pytest.raises(DomainError):
            services.set_opening_rules(
                actor=self.admin,
                office=self.office,
                rules=[(Day.SUNDAY, T("20:00"), T("09:00")), (Day.MONDAY, T("08:00"), T("16:00"))],
            )
        # Friday evening plus Saturday morning do not touch
        services.set_opening_rules(
            actor=self.admin,
            office=self.office,
            rules=[(Day.FRIDAY, T("19:00"), T("01:00")), (Day.SATURDAY, T("08:00"), T("12:00"))],
        )

    def test_rules_in_different_validity_periods_may_overlap(self):
        services.set_opening_rules(
            actor=self.admin,
            office=self.office,
            rules=[
                RuleSpec(Day.MONDAY, T("08:00"), T("16:00"), valid_until=dt.date(2026, 9, 30)),
                RuleSpec(Day.MONDAY, T("08:00"), T("14:00"), valid_from=dt.date(2026, 10, 1)),
            ],
        )
        assert OpeningRule.objects.filter(office=self.office).count() == 2

    def test_validity_dates_in_wrong_order_refused(self):
        with pytest.raises(DomainError) as err:
            services.set_opening_rules(
                actor=self.admin,
                office=self.office,
                rules=[
                    RuleSpec(
                        Day.MONDAY,
                        T("08:00"),
                        T("16:00"),
                        valid_from=dt.date(2026, 9, 30),
                        valid_until=dt.date(2026, 9, 1),
                    )
                ],
            )
        assert "tanggal akhir" in str(err.value.message)

    def test_duplicate_counter_number_refused(self):
        services.add_counter(actor=self.admin, office=self.office, number=1)
        with pytest.raises(DomainError) as err:
            services.add_counter(actor=self.admin, office=self.office, number=1)
        assert "sudah punya loket nomor 1" in str(err.value.message)
        assert Counter.objects.filter(office=self.office).count() == 1

    def test_duplicate_slug_refused(self):
        root = make_officer("system_admin")
        with pytest.raises(DomainError) as err:
            services.create_office(
                actor=root,
                slug=self.office.slug,
                name="Kantor lain",
                kind=OfficeKind.KELURAHAN,
                region=self.office.region,
                address="Jl. Lain",
            )
        assert "sudah dipakai" in str(err.value.message)

    def test_national_holiday_cannot_be_scoped_to_a_region(self):
        with pytest.raises(DomainError) as err:
            services.add_holiday(
                actor=None,
                date=dt.date(2026, 9, 1),
                name="Libur",
                kind=HolidayKind.NATIONAL,
                region=ensure_region("36.74"),
            )
        assert "seluruh negeri" in str(err.value.message)


def test_existing_exception_from_factory_is_replaced_not_duplicated():
    office = OfficeFactory(with_weekday_hours=True)
    ScheduleExceptionFactory(office=office, date=dt.date(2026, 9, 8), is_closed=True)
    services.add_schedule_exception(
        actor=None,
        office=office,
        date=dt.date(2026, 9, 8),
        is_closed=False,
        reason="Buka",
        sessions=[("09:00", "10:00")],
    )
    assert ScheduleException.objects.get(office=office).is_closed is False

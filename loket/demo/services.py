"""Loading the demo: real places, the standard catalogue and demo accounts.

``load_demo`` is idempotent: what exists is kept as it is (an admin may have changed it since),
only what is missing is created. It goes through the domain services, so every office, rule,
counter, account and role it creates leaves an audit row (actor "sistem" or the demo admin).
Passwords are random and returned once, for the caller to show; they are stored only hashed.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from loket.accounts import services as accounts
from loket.accounts.models import User
from loket.catalog.models import Service
from loket.catalog.services import load_catalog, read_catalog
from loket.core import clock, policy
from loket.core.policy import Role
from loket.demo import data
from loket.letters.services.demo import ensure_demo_letters
from loket.offices import services as offices
from loket.offices.models import Office
from loket.permohonan.models import CityPolicy
from loket.permohonan.services import set_city_policy
from loket.queueing.models import ServiceGroup
from loket.queueing.selectors import is_offered
from loket.queueing.services import config as queue_config
from loket.regions.models import Region
from loket.regions.services import import_regions
from loket.signing.services import ca
from loket.signing.services import keys as signing_keys

PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")


@dataclass(frozen=True)
class Credential:
    username: str
    full_name: str
    role: str
    where: str
    password: str


@dataclass
class DemoResult:
    regions: str = ""
    offices_created: list[str] = field(default_factory=list)
    offices_kept: list[str] = field(default_factory=list)
    catalog: str = ""
    credentials: list[Credential] = field(default_factory=list)  # new accounts only
    accounts_kept: list[str] = field(default_factory=list)
    queues_created: list[str] = field(default_factory=list)
    letters_created: list[str] = field(default_factory=list)
    signing_pins: list[Credential] = field(default_factory=list)  # new signing keys only, shown once

    @property
    def changed(self) -> bool:
        return bool(self.offices_created or self.credentials or self.queues_created)


def random_password(length: int = 14) -> str:
    """A password that passes Django's validators: letters and digits, never all digits."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def demo_region_codes() -> set[str]:
    codes = {o.region for o in data.OFFICES}
    codes |= {a.region for a in data.ACCOUNTS if a.region}
    codes.add(data.DEMO_CITIZEN_NIK[0:2] + "." + data.DEMO_CITIZEN_NIK[2:4] + "." + data.DEMO_CITIZEN_NIK[4:6])
    return codes


def ensure_regions(*, full: bool = True) -> str:
    """Import regions when needed: the whole list into an empty table, else the demo prefixes if missing."""
    if full and not Region.objects.exists():
        return import_regions().summary()
    needed = demo_region_codes()
    if Region.objects.filter(code__in=needed).count() == len(needed):
        return _("Regions: the demo regions are already there.")
    return import_regions(prefixes=list(data.DEMO_REGION_PREFIXES)).summary()


def coming_weekend(today: dt.date) -> tuple[dt.date, dt.date]:
    """The Saturday and Sunday of the coming weekend (this one, if ``today`` is a Saturday)."""
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7)
    return saturday, saturday + dt.timedelta(days=1)


def _create_office(spec: data.DemoOffice, *, actor, today: dt.date) -> Office:
    details = {
        "postal_code": spec.postal_code,
        "phone": spec.phone,
        "latitude": Decimal(spec.latitude),
        "longitude": Decimal(spec.longitude),
        "closed_on_cuti_bersama": spec.closed_on_cuti_bersama,
        "description": spec.description,
    }
    weekend = None
    if spec.kind == "event":
        weekend = coming_weekend(today)
        details.update(active_from=weekend[0], active_until=weekend[1])
    office = offices.create_office(
        actor=actor,
        slug=spec.slug,
        name=spec.name,
        kind=spec.kind,
        region=Region.objects.get(code=spec.region),
        address=spec.address,
        timezone=spec.timezone,
        **details,
    )
    if spec.hours:
        offices.set_opening_rules(
            actor=actor,
            office=office,
            rules=[offices.RuleSpec(day=s.day, opens=s.opens, closes=s.closes, label=s.label) for s in spec.hours],
        )
    for number, name in enumerate(spec.counters, start=1):
        offices.add_counter(actor=actor, office=office, number=number, name=name)
    if weekend:
        for day in weekend:
            offices.add_schedule_exception(
                actor=actor,
                office=office,
                date=day,
                is_closed=False,
                reason="BOTRAM: layanan akhir pekan",
                sessions=[
                    offices.SessionSpec(opens=dt.time.fromisoformat(o), closes=dt.time.fromisoformat(c), label="BOTRAM")
                    for o, c in data.BOTRAM_SESSIONS
                ],
            )
    return office


def ensure_offices(*, actor=None, result: DemoResult) -> None:
    today = clock.now().astimezone(ZoneInfo("Asia/Jakarta")).date()
    existing = set(Office.objects.filter(slug__in=[o.slug for o in data.OFFICES]).values_list("slug", flat=True))
    for spec in data.OFFICES:
        if spec.slug in existing:
            result.offices_kept.append(spec.slug)
            continue
        _create_office(spec, actor=actor, today=today)
        result.offices_created.append(spec.slug)


def ensure_catalog(*, actor=None) -> str:
    """Load the standard catalogue when one of its services is missing; keep admins' edits otherwise."""
    codes = {item["code"] for item in read_catalog()}
    if Service.objects.filter(code__in=codes).count() == len(codes):
        return _("Catalogue: all standard services are already there.")
    return _("Catalogue: %(result)s.") % {"result": load_catalog(actor=actor)}


def _where(spec: data.DemoAccount) -> str:
    if spec.office:
        return Office.objects.get(slug=spec.office).name
    if spec.region:
        return Region.objects.get(code=spec.region).name
    return _("all offices") if spec.role != "citizen" else "-"


def ensure_accounts(*, result: DemoResult) -> None:
    existing = set(
        User.objects.filter(username__in=[a.username for a in data.ACCOUNTS]).values_list("username", flat=True)
    )
    admin_spec = data.ACCOUNTS[0]
    assert admin_spec.role == Role.SYSTEM_ADMIN
    admin = User.objects.filter(username=admin_spec.username).first()
    for spec in data.ACCOUNTS:
        if spec.username in existing:
            result.accounts_kept.append(spec.username)
            continue
        password = random_password()
        if spec.role == Role.SYSTEM_ADMIN:
            # The first system admin has nobody above it: the system creates it.
            admin, _created = accounts.ensure_system_admin(
                username=spec.username, full_name=spec.full_name, password=password
            )
        elif spec.role == "citizen":
            accounts.register_citizen(
                nik=spec.username, full_name=spec.full_name, phone="081234567890", password=password
            )
        else:
            if admin is None or not policy.holds(admin, Role.SYSTEM_ADMIN):
                raise RuntimeError(f"the demo admin {admin_spec.username} is missing its system admin role")
            officer = accounts.create_officer(
                actor=admin, username=spec.username, full_name=spec.full_name, nip=spec.nip, password=password
            )
            accounts.grant_role(
                actor=admin,
                user=officer,
                role=spec.role,
                office=Office.objects.get(slug=spec.office) if spec.office else None,
                region=Region.objects.get(code=spec.region) if spec.region else None,
                title=spec.title,
            )
        label = _("Citizen") if spec.role == "citizen" else str(Role(spec.role).label)
        result.credentials.append(Credential(spec.username, spec.full_name, label, _where(spec), password))


def ensure_queues(*, actor: User, result: DemoResult) -> None:
    """Give every demo office without a queue the queues of its kind (``data.QUEUES_BY_KIND``), with
    a quota for every session; offices an admin has already configured are left alone."""
    configured = set(ServiceGroup.objects.values_list("office_id", flat=True))
    services = {s.code: s for s in Service.objects.filter(is_active=True)}
    for office in Office.objects.filter(slug__in=[o.slug for o in data.OFFICES]).order_by("name"):
        specs = data.QUEUES_BY_KIND.get(office.kind, ())
        if office.pk in configured or not specs:
            continue
        for spec in specs:
            offered = [services[c] for c in spec.services if c in services and is_offered(office, services[c])]
            if not offered:
                continue
            group = queue_config.save_service_group(
                actor=actor,
                office=office,
                letter=spec.letter,
                name=spec.name,
                services=offered,
                avg_service_minutes=spec.minutes,
            )
            queue_config.save_quota(actor=actor, group=group, online_limit=spec.online, walkin_limit=spec.walkin)
        result.queues_created.append(office.slug)


def load_demo(*, actor=None, full_regions: bool = True, region_prefixes: Sequence[str] | None = None) -> DemoResult:
    """Make sure every demo place, the catalogue and every demo account exist. Idempotent."""
    result = DemoResult()
    with transaction.atomic():
        if region_prefixes:
            result.regions = import_regions(prefixes=list(region_prefixes)).summary()
        else:
            result.regions = ensure_regions(full=full_regions)
        ensure_offices(actor=actor, result=result)
        result.catalog = ensure_catalog(actor=actor)
        ensure_accounts(result=result)
        admin = User.objects.get(username=data.ACCOUNTS[0].username)
        ensure_queues(actor=admin, result=result)
        letters = ensure_demo_letters(actor=admin)
        result.letters_created = letters.settings_created + letters.templates_created
        ensure_city_policies()
    # After the commit above: the signing services commit the CA and each key in transactions of their own.
    ensure_signing(result=result)
    return result


def random_pin(length: int = 8) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(length))


def ensure_signing(*, result: DemoResult) -> None:
    """The deployment's own signing CA (created once) and a local signing key for every demo
    official (penandatangan) who has none, sealed with a random PIN shown once, like the passwords."""
    ca.init_authority(actor=None)
    for spec in data.ACCOUNTS:
        if not policy.SIGN.granted_by(spec.role):
            continue
        user = User.objects.filter(username=spec.username).first()
        if user is None or signing_keys.active_key_for(user) is not None:
            continue
        pin = random_pin()
        signing_keys.issue_signer_key(actor=None, user=user, pin=pin, title=spec.title)
        result.signing_pins.append(Credential(spec.username, spec.full_name, spec.title, _where(spec), pin))


def ensure_city_policies() -> None:
    """Kota Bekasi's rule that a citizen may choose any kecamatan (kept if an admin changed it)."""
    for code in data.CITIES_WITH_ANY_KECAMATAN:
        region = Region.objects.filter(code=code).first()
        if region is not None and not CityPolicy.objects.filter(region=region).exists():
            set_city_policy(actor=None, region=region, any_kecamatan=True)

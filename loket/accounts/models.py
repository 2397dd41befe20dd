"""Citizens and officers. One user model for both; officers get roles scoped to offices."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.core.policy import OFFICE_ROLES, Role
from loket.offices.models import Office
from loket.regions.models import Region


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    OFFICER = "officer", _("Officer")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields):
        if not username:
            raise ValueError("username is required")
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **fields):
        fields.setdefault("kind", UserKind.OFFICER)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in.

    Citizens log in with their NIK (``username`` equals ``nik``); officers with a username
    (often their NIP). ``is_staff`` only opens the Django admin, for configuration.
    """

    username = models.CharField(_("username"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=UserKind.choices, default=UserKind.CITIZEN)
    full_name = models.CharField(_("full name"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16, unique=True, null=True, blank=True)
    nip = models.CharField(_("NIP"), max_length=18, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can open the admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="officer") | models.Q(nik__isnull=False, username=models.F("nik")),
                name="citizen_username_is_nik",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_citizen(self) -> bool:
        return self.kind == UserKind.CITIZEN

    @property
    def is_officer(self) -> bool:
        return self.kind == UserKind.OFFICER

    # The roles this officer holds now. What they allow is the access policy's to say
    # (loket.core.policy), which asks this method, so that every app can ask the policy.
    def active_roles(self):
        if not self.is_authenticated or not self.is_active or self.kind != UserKind.OFFICER:
            return []
        cached = getattr(self, "_active_roles_cache", None)
        if cached is None:
            # A role at an office that has been closed down (e.g. a finished event) grants nothing.
            live = self.roles.filter(is_active=True).filter(
                models.Q(office__isnull=True) | models.Q(office__is_active=True)
            )
            cached = list(live.select_related("office__region", "region"))
            self._active_roles_cache = cached
        return cached

    @property
    def masked_nik(self) -> str:
        from loket.regions.nik import mask_nik

        return mask_nik(self.nik) if self.nik else ""


class OfficerRole(models.Model):
    """A role an officer holds: at one office, for a whole kabupaten/kota (city admin), or system-wide."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, null=True, blank=True, related_name="officer_roles", verbose_name=_("office")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kabupaten/kota"),
        help_text=_("For city admins: the kabupaten/kota they manage."),
    )
    title = models.CharField(
        _("title"),
        max_length=100,
        blank=True,
        help_text=_("For signers, the position printed under the signature, e.g. 'Lurah Sawah'."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("officer role")
        verbose_name_plural = _("officer roles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        role__in=[r.value for r in Role if r in OFFICE_ROLES], office__isnull=False, region__isnull=True
                    )
                    | models.Q(role=Role.CITY_ADMIN, office__isnull=True, region__isnull=False)
                    | models.Q(role=Role.SYSTEM_ADMIN, office__isnull=True, region__isnull=True)
                ),
                name="officer_role_scope_matches_role",
            ),
            models.UniqueConstraint(fields=["user", "role", "office"], name="officer_role_unique_per_office"),
        ]

    def __str__(self) -> str:
        where = self.office or self.region or _("all offices")
        return f"{self.user} – {self.get_role_display()} @ {where}"


class ApiToken(models.Model):
    """A bearer token of the JSON API (mobile app). Only the SHA-256 hash of the key is stored;
    the key itself is shown once, when issued (``loket.accounts.services.issue_token``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} – {self.name or self.pk}"

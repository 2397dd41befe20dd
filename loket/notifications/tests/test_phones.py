"""Phone numbers: gateways get 62…, only mobiles get texts, registration refuses bad numbers."""

import pytest
from django.urls import reverse

from loket.accounts.factories import make_nik
from loket.accounts.models import User
from loket.accounts.services import clean_phone
from loket.notifications.phones import gateway_msisdn, is_mobile
from loket.offices.factories import ensure_region


@pytest.mark.parametrize("written", ["0812 3456 7890", "62812-3456-7890", "+62 812 3456 7890", "(+62) 81234567890"])
def test_every_indonesian_writing_reaches_the_gateway_as_62(written):
    assert gateway_msisdn(clean_phone(written)) == "6281234567890"


def test_gateway_msisdn_wants_e164():
    with pytest.raises(ValueError):
        gateway_msisdn("081234567890")
    with pytest.raises(ValueError):
        gateway_msisdn("+62 123")


def test_only_mobile_numbers_get_sms_or_whatsapp():
    assert is_mobile("+6281234567890")
    assert not is_mobile("+62217470123")  # a Jakarta landline
    assert not is_mobile("")
    assert not is_mobile("nonsense")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone",
    [
        "0812",
        "+1 202 555 0100",
        "0812 3456 7890 1234 5",
        "0812-abcd-7890",
    ],
)
def test_registration_refuses_a_bad_number_with_an_indonesian_message(client, phone):
    ensure_region("36.74.04")
    data = {
        "nik": make_nik(91),
        "full_name": "Siti Aminah",
        "phone": phone,
        "email": "",
        "password1": "Kopi-Tubruk-88",
        "password2": "Kopi-Tubruk-88",
    }
    response = client.post(reverse("accounts:register"), data)
    assert response.context["form"].errors["phone"] == [
        "Isi nomor HP Indonesia yang benar, misalnya 0812 3456 7890 atau +62 812 3456 7890."
    ]
    assert not User.objects.exists()

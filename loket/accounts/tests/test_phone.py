"""Phone numbers: every way people write an Indonesian mobile number normalises to one E.164 form."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.accounts.services import clean_phone
from loket.core.errors import DomainError

PREFIXES = ["812", "813", "821", "852", "857", "878", "896", "838"]


@st.composite
def written_numbers(draw):
    national = draw(st.sampled_from(PREFIXES)) + draw(st.text("0123456789", min_size=7, max_size=8))
    lead = draw(st.sampled_from(["0", "+62", "62", "+62 ", "(+62) "]))
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    grouped = sep.join([national[:3], national[3:7], national[7:]])
    return national, lead + grouped


@given(written_numbers())
def test_any_common_writing_of_a_mobile_number_gives_the_same_e164(case):
    national, written = case
    assert clean_phone(written) == "+62" + national


@given(st.text("0123456789", max_size=6))
def test_too_short_numbers_are_refused(digits):
    with pytest.raises(DomainError) as exc:
        clean_phone(digits)
    assert exc.value.code == "phone"


@pytest.mark.parametrize("raw", ["0812-abcd-7890", "0812 3456 789O", "+62 812 ABC 7890"])
def test_letters_are_refused_not_read_as_keypad_digits(raw):
    with pytest.raises(DomainError) as err:
        clean_phone(raw)
    assert err.value.code == "phone"


def test_a_landline_is_refused_with_its_own_message():
    with pytest.raises(DomainError) as err:
        clean_phone("021 7470 123")
    assert "nomor ponsel" in str(err.value.message)

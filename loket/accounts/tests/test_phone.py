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

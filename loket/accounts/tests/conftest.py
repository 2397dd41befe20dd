import pytest
from axes.utils import reset as axes_reset


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    """Each test starts with no recorded login failures or lockouts."""
    axes_reset()
    yield
    axes_reset()

"""Template helpers of the catalogue.

``services_offered`` lets the office page (offices app, a lower layer that must not import the
catalogue) list the services an office offers: the template asks, the offices code stays unaware.
"""

from django import template
from django.utils.translation import gettext as _

from loket.catalog import selectors

register = template.Library()


@register.simple_tag
def services_offered(office):
    """Active services offered at ``office`` (see ``selectors.services_offered_at``)."""
    return selectors.services_offered_at(office)


@register.filter
def rupiah(amount) -> str:
    """``15000`` -> ``Rp 15.000`` (Indonesian thousands separator); 0 -> ``Gratis / Rp 0``."""
    amount = int(amount or 0)
    if amount == 0:
        return _("Free / Rp 0")
    return "Rp " + f"{amount:,}".replace(",", ".")

"""factory_boy factories for the queue.

group = ServiceGroupFactory(office=office, services=[service])       # letter "A"
QuotaFactory(group=group, online_limit=20, walkin_limit=40)         # every session, every day
"""

from __future__ import annotations

import factory

from loket.offices.factories import OfficeFactory
from loket.queueing.models import Quota, ServiceGroup


class ServiceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup
        skip_postgeneration_save = True

    office = factory.SubFactory(OfficeFactory)
    letter = "A"
    name = factory.Sequence(lambda n: f"Kelompok {n}")

    @factory.post_generation
    def services(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.services.set(extracted)


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota

    group = factory.SubFactory(ServiceGroupFactory)
    date = None
    weekday = None
    session_start = None
    online_limit = 20
    walkin_limit = 40

import factory
from django.utils import timezone

from security.phone.models import PhoneBinding
from tests.factories import UserFactory


class PhoneBindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneBinding

    user = factory.SubFactory(UserFactory)
    number = "+8613812345678"
    bound_at = factory.LazyFunction(timezone.now)

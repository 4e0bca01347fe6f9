from django.contrib.auth.backends import ModelBackend

from .models import User


class ScopedModelBackend(ModelBackend):
    """Django's backend, loading the user's scope (city, institution) with the user: every page shows it."""

    def get_user(self, user_id):
        user = User.objects.select_related("city", "institution").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

from django.contrib.auth.backends import ModelBackend

from .models import User


class ScopedModelBackend(ModelBackend):
    """Django's backend, loading the user's scope (city, institution) with the user: every page shows it.
    The logins of a closed (注销) institution stop working, sessions already open included."""

    def user_can_authenticate(self, user):
        institution = user.institution if user.institution_id else None
        if institution is not None and institution.status == institution.Status.CANCELLED:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id):
        user = User.objects.select_related("city", "institution").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

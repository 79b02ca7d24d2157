from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_save


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Projects and access"

    def ready(self) -> None:
        from . import signals

        post_save.connect(
            signals.revoke_tokens_when_the_password_changes,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="cqdlab_revoke_tokens_on_password_change",
        )

"""Receivers of the shared plumbing, connected in CoreConfig.ready()."""

from __future__ import annotations

from .tokens import tokens_revoke_all


def revoke_tokens_when_the_password_changes(sender, instance, created: bool, **kwargs) -> None:
    """A new password revokes every API token of the user: whoever knew the old one may have
    minted some. Sessions need nothing: Django already ends them on a password change."""
    if created:
        return
    # set_password() keeps the new raw password in _password until the user is saved; the hash
    # upgrade Django does at login clears it before saving, so tokens survive Django upgrades.
    # A password made unusable (login disabled) revokes them too.
    if getattr(instance, "_password", None) is not None or not instance.has_usable_password():
        tokens_revoke_all(instance)

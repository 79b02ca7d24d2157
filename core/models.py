"""Projects, memberships and API tokens: who may see and change what. Every lab object is
``ProjectOwned``: it belongs to exactly one project."""

from django.conf import settings
from django.db import models


class Project(models.Model):
    """A research project: the unit of ownership. Every lab object belongs to exactly one."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )

    class Meta:
        ordering = ["code"]
        db_table = "fabrication_project"  # its first home; the table kept its name

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer (read)"
        MEMBER = "member", "Member (read, upload, edit)"
        MANAGER = "manager", "Manager (members, recipes)"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        db_table = "fabrication_membership"
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored: the key is shown once, at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="e.g. 'J-V station PC'")
    prefix = models.CharField(max_length=8, help_text="first characters, to recognise it")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        db_table = "fabrication_apitoken"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ProjectOwned(models.Model):
    project = models.ForeignKey("core.Project", on_delete=models.PROTECT, related_name="+")
    # The name people write on vials and substrates; the API accepts it wherever an id goes.
    code = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="%(class)s_code_unique")
        ]

    def __str__(self) -> str:
        return self.code

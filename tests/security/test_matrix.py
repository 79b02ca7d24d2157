"""Every URL the site answers, asked by every persona: a new endpoint cannot go unprotected.

The test walks ``get_resolver().url_patterns`` (the API router, pages, downloads, the admin
with its history and version views, auth, schema and docs), fills path parameters with objects
of project A, and asks each URL as the owner (manager of A), the colleague (member), the
viewer, the outsider (manager of B), an anonymous visitor and a staff outsider (staff with
every model permission of the lab's apps, in no project). Reads answer what the role allows,
writes are refused to viewers and outsiders, and no answer to an outsider holds A's codes.

A URL pattern this file cannot classify fails ``test_every_url_pattern_is_classified``: when
you add an endpoint, say here which kind it is (and so which rule it must keep).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from analysis.models import StabilityStudy
from fabrication.models import Chemical, LayerRecipe
from insights.models import SuggestionRound
from measurements import profiles, services
from measurements.models import Measurement, Status
from notebook.services import Photo, add_note

DATA = Path(__file__).resolve().parents[1] / "data"
# An instrument profile (tests/profiles): bare mV / mA columns.
PROFILE = {
    "kind": "jv",
    "columns": [
        {"column": 1, "quantity": "voltage", "unit": "mV"},
        {"column": 2, "quantity": "current", "unit": "mA"},
    ],
}
LAB_APPS = ["core", "fabrication", "measurements", "analysis", "notebook"]
PERSONAS = ["owner", "colleague", "viewer", "outsider", "anonymous", "staffer"]
READERS = {"owner", "colleague", "viewer"}
WRITERS = {"owner", "colleague"}
OUTSIDERS = {"outsider", "staffer"}
NEW_CODE = "MATRIX-NEW"

# --- what the site serves --------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, prefixes joined
    name: str | None  # namespaced, e.g. "api:device-detail"
    params: tuple[str, ...]  # named groups or converters, positional groups as "0", "1"

    @property
    def key(self) -> str:
        return self.name or self.route


def _params(pattern) -> tuple[str, ...]:
    regex = pattern.pattern.regex
    named = tuple(regex.groupindex)
    unnamed = tuple(str(i) for i in range(regex.groups - len(named)))
    return named + unnamed


def walk(patterns=None, prefix: str = "", namespace: str | None = None, params=()) -> list[Route]:
    """Every URL pattern of the site, with its full route and namespaced name."""
    routes = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        here = params + _params(entry)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            routes += walk(entry.url_patterns, prefix + str(entry.pattern), ns, here)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            routes.append(Route(prefix + str(entry.pattern), name, here))
    return routes


# --- how each kind of URL must answer --------------------------------------------------------

PUBLIC = "public"  # anyone; answers hold no project data
LOGIN = "login"  # any signed-in user; no project data of other projects
SUPERUSER = "superuser"  # the admin of users and groups: none of the personas may
LIST = "list"  # objects of the user's projects; outsiders see none of A's
ADD = "add"  # an admin add form: needs a project the user writes in
DETAIL = "detail"  # one object of A: readers read, writers write, outsiders get 403/404
DELETE_PAGE = "delete-page"  # the admin's delete confirmation: a write even when shown
ACTION = "action"  # POST-only action on one object of A
BULK = "bulk"  # POST-only upload into A
AUTOCOMPLETE = "autocomplete"  # choices for a form being written: writable objects only
REDIRECT = "redirect"  # the admin's /<id>/ shortcut to the change form: a bare redirect
NOT_FOUND = "not-found"  # the admin's catch-all, and view-on-site (no model has a page)
SCAN = "scan"  # /scan/<code>: readers are sent to the object's page, others get "not found"

PAGE_KINDS = {
    "home": LOGIN,
    "search": LOGIN,
    "compare": LOGIN,
    "control": LOGIN,  # the control variant of the user's projects only
    "origin-export": DETAIL,  # curves of named devices of the user's projects; others: 404
    "aging": LOGIN,
    "insights": LOGIN,  # the user's own projects; another's answers 404
    "upload": LOGIN,
    "measurement-status": LOGIN,
    "batch-sheet-template": LOGIN,
    "batch-sheet-import": LOGIN,
    "tokens": LOGIN,
    "design": LOGIN,
    "password_change": LOGIN,
    "password_change_done": LOGIN,
    "batch": DETAIL,
    "device": DETAIL,
    "synthesis": DETAIL,
    "measurement-raw": DETAIL,
    "profiles": LOGIN,  # the user's projects' instrument profiles
    "profile-teach": LOGIN,
    "profile-edit": DETAIL,
    # Reads a posted sample file with a posted profile; stores and reads nothing of a project.
    "api:instrument-profile-preview": LOGIN,
    "device-status": ACTION,
    "labels": LOGIN,  # the form; sheets of the user's objects only (tests/labels)
    "scan": LOGIN,
    "scan-code": SCAN,
    "note-add": ACTION,  # POST-only: a note (and photo) on one object of A
    "note-photo": DETAIL,
    "note-thumbnail": DETAIL,
    "losses": LOGIN,  # the user's projects' loss plots; ?project= picks one of them
    "device-losses": DETAIL,
    "variant-losses": DETAIL,
    "losses-references": BULK,  # POST-only: a spectral-mismatch file into a project
    "login": PUBLIC,
    "favicon": PUBLIC,
    "logout": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "schema": PUBLIC,
    "api-docs": PUBLIC,
    "api:token": PUBLIC,
    "api:api-root": LOGIN,
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC,
    "admin:index": LOGIN,
    "admin:password_change": LOGIN,
    "admin:password_change_done": LOGIN,
    "admin:jsi18n": LOGIN,
    "admin:app_list": LOGIN,
    "admin:autocomplete": AUTOCOMPLETE,
    "admin:view_on_site": NOT_FOUND,
}
API_RESOURCES = {
    "project",
    "synthesis",
    "recipe",
    "ligand-exchange",
    "stack",
    "batch",
    "variant",
    "substrate",
    "device",
    "film",
    "measurement",
    "result",
    "instrument-profile",
    "note",
}
API_SUFFIXES = {
    "list": LIST,
    "detail": DETAIL,
    "raw": DETAIL,
    "reanalyse": ACTION,
    "bulk": BULK,
}
ADMIN_SUFFIXES = {
    "changelist": LIST,
    "add": ADD,
    "change": DETAIL,
    "history": DETAIL,
    "simple_history": DETAIL,
    "delete": DELETE_PAGE,
}
ADMIN_MODELS = {
    "core_project",
    "fabrication_chemical",
    "fabrication_synthesis",
    "fabrication_ligandexchangerecipe",
    "fabrication_ligandexchangerun",
    "fabrication_layerrecipe",
    "fabrication_stack",
    "fabrication_batch",
    "fabrication_variant",
    "fabrication_substrate",
    "fabrication_device",
    "fabrication_film",
    "measurements_measurement",
    "measurements_instrumentprofile",
    "analysis_stabilitystudy",
    "notebook_note",
}
SUPERUSER_MODELS = {"auth_user", "auth_group"}
_ADMIN_NAME = re.compile(r"^admin:(?P<model>[a-z]+_[a-z0-9]+?)_(?P<suffix>[a-z_]+)$")
_ADMIN_REDIRECT = re.compile(r"^admin/(?P<app>[a-z]+)/(?P<model>[a-z0-9]+)/<path:object_id>/$")


@dataclass(frozen=True)
class Spec:
    kind: str
    target: str | None = None  # the A object the URL is about: an admin model or API resource
    suffix: str | None = None


# Read-only insights of one project named by ?project= (suggestions: POST computes a round,
# tested in tests/insights where the data allow one).
INSIGHT_QUESTIONS = {
    "variance",
    "importance",
    "parameters",
    "partial_dependence",
    "planned",
    "suggestions",
}


# .eln and NOMAD downloads (readers), the .eln import (managers; POST-only): name -> spec.
EXCHANGE_ROUTES = {
    "api:batch-eln": (DETAIL, "batch", "eln"),
    "api:project-eln": (DETAIL, "project", "eln"),
    "api:project-nomad": (DETAIL, "project", "nomad"),
    "api:project-eln-import": (ACTION, "project", "eln-import"),
    "api:eln-import": (ACTION, "project", "eln-import-form"),  # the project is a form field
}


def classify(route: Route) -> Spec | None:
    """What kind of URL this is, or None when the test does not know (which fails it)."""
    if route.key in PAGE_KINDS:
        return Spec(PAGE_KINDS[route.key], target=route.key)
    if route.name and route.name.startswith("api:"):
        basename, _, suffix = route.name[4:].rpartition("-")
        if basename == "measurement" and suffix in {"raw", "reanalyse", "bulk"}:
            return Spec(API_SUFFIXES[suffix], target=basename, suffix=suffix)
        if basename in {"device", "variant"} and suffix == "losses":  # read-only figures
            return Spec(DETAIL, target=basename, suffix=suffix)
        if basename == "insights" and suffix in INSIGHT_QUESTIONS:  # the project in the query
            return Spec(DETAIL, target="project", suffix="insight")
        if basename == "insights_suggestion" and suffix in {"detail", "sheet", "confirm"}:
            kind = ACTION if suffix == "confirm" else DETAIL
            return Spec(kind, target="suggestion", suffix=f"suggestion-{suffix}")
        if basename == "instrument-profile" and suffix in {"yaml", "reread", "import"}:
            kind = {"yaml": DETAIL, "reread": ACTION, "import": BULK}[suffix]
            return Spec(kind, target=basename, suffix=f"profile-{suffix}")
        if route.name in EXCHANGE_ROUTES:
            kind, target, suffix = EXCHANGE_ROUTES[route.name]
            return Spec(kind, target=target, suffix=suffix)
        if basename in API_RESOURCES and suffix in {"list", "detail"}:
            return Spec(API_SUFFIXES[suffix], target=basename, suffix=suffix)
        return None
    if route.name and (match := _ADMIN_NAME.match(route.name)):
        model, suffix = match["model"], match["suffix"]
        if model == "auth_user" and suffix == "password_change":
            return Spec(SUPERUSER)
        if suffix not in ADMIN_SUFFIXES:
            return None
        if model in SUPERUSER_MODELS:
            return Spec(SUPERUSER)
        if model in ADMIN_MODELS:
            return Spec(ADMIN_SUFFIXES[suffix], target=model, suffix=suffix)
        return None
    if route.name is None and (match := _ADMIN_REDIRECT.match(route.route)):
        model = f"{match['app']}_{match['model']}"
        if model in SUPERUSER_MODELS:
            return Spec(SUPERUSER, target=model, suffix="redirect")
        if model in ADMIN_MODELS:
            return Spec(REDIRECT, target=model, suffix="redirect")
        return None
    if route.name is None and route.route == "admin/(?P<url>.*)$":
        return Spec(NOT_FOUND, target="catch-all")
    return None


def test_every_url_pattern_is_classified():
    unknown = [r.key for r in walk() if classify(r) is None]
    assert not unknown, (
        "These URL patterns are not classified in tests/security/test_matrix.py; say which "
        f"kind each is so the role matrix covers it: {unknown}"
    )


# --- project A's objects and the personas -----------------------------------------------------


@pytest.fixture
def lab(world, django_user_model, django_capture_on_commit_callbacks):
    a, project = world["a"], world["projects"]["a"]
    owner = world["users"]["owner"]
    with django_capture_on_commit_callbacks(execute=True):
        measurement, _ = services.measurement_create(
            user=owner,
            target=a.devices[0],
            data=(DATA / "synthetic" / "jv_example_a.txt").read_bytes(),
            filename="a.txt",
        )
    measurement.refresh_from_db()
    assert measurement.status == Status.SUCCEEDED, measurement.error
    study = StabilityStudy.objects.create(
        project=project,
        code="A-STUDY",
        name="damp heat",
        atmosphere="air",
        started_at=measurement.measured_at or measurement.created_at,
    )
    study.devices.set(a.devices[:2])
    profile = profiles.create(project=project, code="A-PROFILE", definition=PROFILE, user=owner)
    note = add_note(user=owner, target=a.batch, body="A note", photo=Photo("a.png", _png()))
    staffer = django_user_model.objects.create_user(
        username="staffer", password="staffer-pass-123", is_staff=True
    )
    lab_permissions = Permission.objects.filter(content_type__app_label__in=LAB_APPS)
    for user in [*world["users"].values(), staffer]:
        user.user_permissions.set(lab_permissions)
    objects = {
        "core_project": project,
        "fabrication_chemical": Chemical.objects.create(
            project=project, code="A-CHEM", name="A-CHEM lead iodide"
        ),
        "fabrication_synthesis": a.synthesis,
        "fabrication_ligandexchangerecipe": a.recipe,
        "fabrication_ligandexchangerun": a.run,
        "fabrication_layerrecipe": LayerRecipe.objects.create(
            project=project, code="A-LAYER", name="ZnO"
        ),
        "fabrication_stack": a.stack,
        "fabrication_batch": a.batch,
        "fabrication_variant": a.variants[0],
        "fabrication_substrate": a.devices[0].substrate,
        "fabrication_device": a.devices[0],
        "fabrication_film": a.film,
        "measurements_measurement": measurement,
        "measurements_instrumentprofile": profile,
        "analysis_stabilitystudy": study,
        "notebook_note": note,
    }
    api = {
        "project": project,
        "synthesis": a.synthesis,
        "recipe": a.recipe,
        "ligand-exchange": a.run,
        "stack": a.stack,
        "batch": a.batch,
        "variant": a.variants[0],
        "substrate": a.devices[0].substrate,
        "device": a.devices[0],
        "film": a.film,
        "measurement": measurement,
        "result": measurement,
        "instrument-profile": profile,
        "note": note,
        "suggestion": SuggestionRound.objects.create(
            project=project,
            code="A-SUG",
            metric="pce_percent",
            objective="mean",
            space={"continuous": [], "categorical": [], "fixed": []},
            n_observations=0,
            model="",
            method="",
            summary="",
        ),
    }
    # Text only project A's objects hold: no answer to an outsider may contain any of it.
    markers = ["Alpha project", "A-B1", "A-PbS-1180", "A-LX-v1", "A-RUN1", "A-STACK", "A-F1"]
    markers += ["A-PROFILE"]
    markers += ["A-CHEM", "A-LAYER", "A-STUDY", measurement.code, "A-SUG"]
    users = {**world["users"], "staffer": staffer}
    return SimpleNamespace(
        a=a,
        project=project,
        objects=objects,
        api=api,
        markers=markers,
        users=users,
        m=measurement,
        photo=note.attachments.get(),
    )


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _client(lab, persona: str) -> Client:
    # A crash is one more answer to report (as a 5xx), not the end of the walk.
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        client.force_login(lab.users[persona])
    return client


# --- requests for each kind --------------------------------------------------------------------


@dataclass
class Ask:
    method: str
    url: str
    data: dict | None = None
    json: bool = False
    write: bool = False


@dataclass
class Plan:
    spec: Spec
    route: Route
    asks: list[Ask] = field(default_factory=list)
    obj: object | None = None


def _version(obj) -> int:
    return obj.history.latest("history_date").history_id


def _zip() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.txt", (DATA / "synthetic" / "jv_example_a.txt").read_bytes())
    return SimpleUploadedFile("m.zip", buffer.getvalue(), content_type="application/zip")


def _new_object(lab) -> dict:
    """A create request into project A, naming A's parents wherever a resource needs one."""
    a = lab.a
    return {
        "project": lab.project.code,
        "code": NEW_CODE,
        "name": NEW_CODE,
        "batch": a.batch.id,
        "variant": a.variants[0].id,
        "substrate": a.devices[0].substrate.id,
        "synthesis": a.synthesis.id,
        "recipe": a.recipe.id,
        "pixel": "P9",
        "active_area_cm2": 0.04,
    }


def _page_plan(lab, spec: Spec, route: Route) -> list[Ask]:
    a, m = lab.a, lab.m
    name = route.key
    if spec.kind == PUBLIC:
        kwargs = {"uidb64": "MQ", "token": "set-password"} if route.params else {}
        return [Ask("GET", reverse(name, kwargs=kwargs))]
    if name == "admin:app_list":
        return [Ask("GET", reverse(name, kwargs={"app_label": app})) for app in LAB_APPS]
    if name == "admin:view_on_site":
        device = lab.objects["fabrication_device"]
        ct = ContentType.objects.get_for_model(device)
        return [Ask("GET", reverse(name, args=[ct.pk, device.pk]))]
    if name == "admin:autocomplete":
        query = "?app_label=fabrication&model_name=ligandexchangerun&field_name=synthesis&term=A"
        return [Ask("GET", reverse(name) + query)]
    if name == "scan-code":
        return [Ask("GET", reverse(name, args=[a.devices[0].code]))]
    if name == "note-add":
        data = {"target_pick": f"device:{a.devices[0].pk}", "body": "matrix"}
        return [Ask("POST", reverse(name), data, write=True)]
    if name in ("note-photo", "note-thumbnail"):
        return [Ask("GET", reverse(name, args=[lab.photo.pk]))]
    if name == "device-status":
        url = reverse(name, args=[a.devices[0].pk])
        return [Ask("POST", url, {"status": "excluded", "reason": "matrix"}, write=True)]
    if name == "losses-references":
        upload = SimpleUploadedFile("lamp.txt", b"nm W/m2/nm\n400 1.0\n500 1.2\n600 1.1\n")
        data = {"project": lab.project.pk, "kind": "lamp_spectrum", "file": upload}
        return [Ask("POST", reverse(name), data, write=True)]
    by_object = {
        "batch": a.batch,
        "device": a.devices[0],
        "synthesis": a.synthesis,
        "device-losses": a.devices[0],
        "variant-losses": a.variants[0],
    }
    if name in by_object:
        url = reverse(name, args=[by_object[name].pk])
        asks = [Ask("GET", url)]
        if name in ("batch", "variant-losses"):
            asks += [Ask("GET", f"{url}?export={f}&table=devices") for f in ("csv", "xlsx")]
            asks += [Ask("GET", f"{url}?export=json&table=stats")]
        return asks
    if name == "profile-edit":
        return [Ask("GET", reverse(name, args=[lab.objects["measurements_instrumentprofile"].pk]))]
    if name == "api:instrument-profile-preview":
        sample = SimpleUploadedFile("s.txt", (DATA / "profiles" / "station7_run1.ivx").read_bytes())
        body = {"file": sample, "definition": json.dumps(PROFILE)}
        return [Ask("POST", reverse(name), body, write=True)]
    if name == "measurement-raw":
        return [Ask("GET", reverse(name, args=[m.pk]))]
    queries = {
        "search": "?q=B1",
        "compare": "?by=variant",
        "measurement-status": f"?ids={m.pk}",
        "aging": "",
        "origin-export": f"?devices={a.devices[0].code}&kind=jv",
    }
    asks = [Ask("GET", reverse(name) + queries.get(name, ""))]
    if name in ("aging", "control"):
        asks.append(Ask("GET", reverse(name) + "?export=csv"))
    if name == "origin-export":
        asks.append(Ask("GET", f"{reverse(name)}?batch={a.batch.pk}&variant={a.variants[0].pk}"))
    if name == "losses":
        asks += [Ask("GET", f"{reverse(name)}?export={f}&table=variants") for f in ("csv", "xlsx")]
    if name == "batch-sheet-import":
        asks.append(
            Ask("POST", reverse(name), {"project": lab.project.pk, "file": _zip()}, write=True)
        )
    return asks


def _api_plan(lab, spec: Spec, route: Route) -> list[Ask]:
    fmt = {"format": "json"} if "format" in route.params else {}
    obj = lab.api.get(spec.target)
    if spec.suffix == "list":
        url = reverse(route.name, kwargs=fmt)
        asks = [Ask("GET", url)]
        if spec.target == "measurement":
            upload = {"device": lab.a.devices[0].id, "file": SimpleUploadedFile("n.txt", b"1")}
            asks.append(Ask("POST", url, upload, write=True))
        elif spec.target not in {"result", "project"}:
            asks.append(Ask("POST", url, _new_object(lab), json=True, write=True))
        return asks
    if spec.suffix == "bulk":
        url = reverse(route.name, kwargs=fmt)
        return [Ask("POST", url, {"file": _zip(), "device": lab.a.devices[0].id}, write=True)]
    if spec.suffix == "profile-import":  # YAML into project A
        text = f"name: {NEW_CODE}\nkind: jv\ncolumns: {json.dumps(PROFILE['columns'])}\n"
        url = reverse(route.name, kwargs=fmt)
        return [Ask("POST", url, {"project": lab.project.code, "yaml": text}, write=True)]
    if spec.suffix in ("profile-yaml", "profile-reread"):
        url = reverse(route.name, kwargs={"pk": obj.pk, **fmt})
        if spec.suffix == "profile-reread":
            return [Ask("POST", url, write=True)]
        return [Ask("GET", url)]
    if spec.suffix == "insight":  # the project is named in the query, by code
        return [Ask("GET", f"{reverse(route.name)}?project={obj.code}&metric=pce_percent")]
    if spec.suffix == "eln-import-form":  # into A, named in the form: managers get 409
        eln = SimpleUploadedFile("a.eln", b"PK\x05\x06" + b"\0" * 18)
        return [Ask("POST", reverse(route.name), {"file": eln, "project": obj.code}, write=True)]
    if spec.suffix in ("eln", "nomad", "eln-import"):  # the path names A's object by code
        url = reverse(route.name, kwargs={"code": obj.code})
        if spec.suffix == "eln-import":  # into A, which is not empty: managers get 409
            eln = SimpleUploadedFile("a.eln", b"PK\x05\x06" + b"\0" * 18)
            return [Ask("POST", url, {"file": eln}, write=True)]
        if spec.suffix == "nomad":
            return [Ask("GET", f"{url}?format=json"), Ask("GET", f"{url}?format=csv")]
        return [Ask("GET", url)]
    if spec.suffix == "losses":  # its path names the device by id or code
        return [Ask("GET", reverse(route.name, kwargs={"code": obj.code}))]
    if spec.suffix and spec.suffix.startswith("suggestion-"):
        url = reverse(route.name, kwargs={"pk": obj.pk})
        if spec.suffix == "suggestion-confirm":
            return [Ask("POST", url, {"batch": NEW_CODE}, json=True, write=True)]
        return [Ask("GET", url)]
    url = reverse(route.name, kwargs={"pk": obj.pk, **fmt})
    if spec.suffix == "reanalyse":
        return [Ask("POST", url, write=True)]
    asks = [Ask("GET", url)]
    if spec.suffix == "detail":
        asks.append(Ask("PATCH", url, {"notes": "matrix"}, json=True, write=True))
        asks.append(Ask("DELETE", url, write=True))
    return asks


def _admin_plan(lab, spec: Spec, route: Route) -> list[Ask]:
    if spec.kind == SUPERUSER:
        user = lab.users["owner"]
        if spec.suffix == "redirect":
            return [Ask("GET", "/" + route.route.replace("<path:object_id>", str(user.pk)))]
        args = [user.pk] * len(route.params)
        return [Ask("GET", reverse(route.name, args=args))]
    if spec.kind == NOT_FOUND:
        return [Ask("GET", "/admin/no-such-page/")]
    obj = lab.objects[spec.target]
    if spec.kind == REDIRECT:
        return [Ask("GET", "/" + route.route.replace("<path:object_id>", str(obj.pk)))]
    if spec.suffix == "changelist":
        url = reverse(route.name)
        action = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        return [Ask("GET", url), Ask("POST", url, action, write=True)]
    if spec.suffix == "add":
        url = reverse(route.name)
        if spec.target == "core_project":
            return [Ask("GET", url)]  # a new project is no write into A (its creator manages it)
        new = {**_new_object(lab), "project": lab.project.pk}
        return [Ask("GET", url), Ask("POST", url, new, write=True)]
    if spec.suffix == "simple_history":
        url = reverse(route.name, args=[obj.pk, _version(obj)])
        return [Ask("GET", url), Ask("POST", url, {"code": "REVERTED"}, write=True)]
    url = reverse(route.name, args=[obj.pk])
    if spec.suffix == "change":
        return [Ask("GET", url), Ask("POST", url, {"code": "CHANGED", "name": "x"}, write=True)]
    if spec.suffix == "delete":
        return [Ask("GET", url), Ask("POST", url, {"post": "yes"}, write=True)]
    return [Ask("GET", url)]


def plan_for(lab, route: Route) -> Plan:
    spec = classify(route)
    assert spec is not None, route.key
    if route.name and route.name.startswith("api:") and spec.kind not in (PUBLIC, LOGIN):
        asks = _api_plan(lab, spec, route)
    elif spec.target in ADMIN_MODELS or spec.kind in (SUPERUSER, NOT_FOUND, REDIRECT):
        asks = _admin_plan(lab, spec, route)
    else:
        asks = _page_plan(lab, spec, route)
    return Plan(spec, route, asks)


# --- the rules -------------------------------------------------------------------------------


def _send(client: Client, ask: Ask):
    if ask.method == "GET":
        return client.get(ask.url)
    if ask.json:
        body = json.dumps(ask.data or {})
        return getattr(client, ask.method.lower())(ask.url, body, content_type="application/json")
    return getattr(client, ask.method.lower())(ask.url, ask.data or {})


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and "login" in response["Location"]


def _problems(lab, persona: str, plan: Plan, ask: Ask, response) -> list[str]:
    """Why this answer breaks the rules (an empty list when it keeps them)."""
    kind, status = plan.spec.kind, response.status_code
    if status >= 500:
        return [f"answered {status}"]
    body = _body(response)
    shown = [m for m in lab.markers if m in body]
    if persona == "anonymous":
        if kind == PUBLIC:
            ok = status in (200, 302, 400, 405) and not shown
        else:
            ok = _sent_to_login(response) or status in (401, 403)
        return [] if ok else [f"anonymous got {status} (showing {shown})"]
    problems = []
    # Autocomplete offers what may be linked in a form being written: not a viewer's objects.
    blind = persona in OUTSIDERS or (kind == AUTOCOMPLETE and persona == "viewer")
    if blind and shown:
        problems.append(f"shows project A's {shown}")
    if _must_show(plan, ask, persona, status) and not shown:
        problems.append("shows none of project A's objects to a reader")
    expected = _expected(plan, ask, persona)
    if status not in expected:
        problems.append(f"answered {status}, expected one of {sorted(expected)}")
    return problems


def _must_show(plan: Plan, ask: Ask, persona: str, status: int) -> bool:
    """A reader's own view of A holds A's objects (else the test filled in the wrong ones)."""
    if status != 200 or ask.method != "GET" or "export=" in ask.url:
        return False
    if plan.spec.kind == AUTOCOMPLETE:
        return persona in WRITERS
    # Insights answer with numbers about A, not with A's objects' names.
    # An .eln is a deflated zip: A's codes are in it, compressed.
    raw = plan.spec.suffix in ("raw", "insight", "suggestion-sheet", "eln") or plan.route.key in (
        "measurement-raw",
        "note-photo",
        "note-thumbnail",
    )
    return persona in READERS and plan.spec.kind in (LIST, DETAIL) and not raw


def _expected(plan: Plan, ask: Ask, persona: str) -> set[int]:
    """The statuses this (signed-in) persona may get for this request."""
    spec, kind = plan.spec, plan.spec.kind
    api = plan.route.key.startswith("api:")
    fixed = {PUBLIC: {200, 302, 400, 405}, NOT_FOUND: {404}, REDIRECT: {302}}
    if kind in fixed:
        return fixed[kind]
    if kind == SCAN:
        return {302} if persona in READERS else {404}
    if kind == SUPERUSER:
        return {302, 403}  # refused, or (no such user or group) back to the admin index
    if kind in (LOGIN, AUTOCOMPLETE):
        # A form posted into a project the user may not write in is re-shown with the problem.
        return {200, 400} if ask.write else {200}
    if kind == LIST and ask.method == "GET":
        return {200}
    if kind == ADD:
        if spec.target in ("measurements_measurement", "notebook_note"):
            # Uploads go through the API and the upload page, which parse; notes are added on
            # their object's page or through the API, which check the object and the photo.
            return {403}
        if spec.target == "core_project" or persona in WRITERS or persona == "outsider":
            # The outsider writes in B: the form opens, and a POST into A re-shows it refused.
            return {200}
        return {403}
    if persona in OUTSIDERS:
        if kind in (LIST, BULK):
            # A write naming A's objects by someone who cannot see them: they are unknown (API,
            # or 405 where the API writes nothing), or not in his list, so the action touches
            # nothing and returns to the list (the project list offers him no action at all).
            if api:
                return {400, 403, 404, 405}
            return {200, 302, 403} if spec.target == "core_project" else {302, 403}
        return {403, 404, 405} if ask.write or kind == ACTION else {403, 404}
    if kind == DELETE_PAGE:
        if spec.target == "core_project":
            return {403}  # only a superuser removes a project
        return {200} if persona in WRITERS else {403}
    if not ask.write and kind != ACTION:
        return {200}
    # The viewer writing (writers' writes are not sent here).
    if kind == LIST and spec.target == "core_project":
        return {200}  # no action is offered to him: "No action selected", nothing done
    if kind == LIST and api:
        return {403, 405}  # 405 where the API writes nothing (recipes)
    return {403} if kind in (LIST, BULK) else {403, 405}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_its_role_allows(lab, persona):
    client = _client(lab, persona)
    problems = []
    for route in walk():
        plan = plan_for(lab, route)
        for ask in plan.asks:
            if ask.write and persona in WRITERS:
                continue  # what writers may do is tested where it is built; here: who may not
            response = _send(client, ask)
            problems += [
                f"{ask.method} {ask.url} ({route.key}): {p}"
                for p in _problems(lab, persona, plan, ask, response)
            ]
    assert not problems, "\n".join(problems)
    # Nothing a refused write asked for happened.
    a = lab.a
    assert not any(
        model.objects.filter(code=NEW_CODE).exists()
        for model in (type(a.batch), type(a.synthesis), type(a.devices[0]), type(a.stack))
    )
    for obj in lab.objects.values():
        assert type(obj).objects.filter(pk=obj.pk).exists(), obj
    a.devices[0].refresh_from_db()
    assert a.devices[0].status == "ok" and a.devices[0].code == "A-B1/TS1/P1"
    assert Measurement.objects.filter(project=lab.project).count() == 1

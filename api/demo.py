"""Demo systems and tokens, so a user of the demo can call the API at once (README).

The demo tokens are fixed strings printed here and in the README: demo only. Real tokens are
issued in the admin (接入系统 → 签发新令牌) or with `manage.py api_token`, shown once.
"""

from __future__ import annotations

from applications import roles
from applications.demo import DEMO_COMPANY, make_staff
from applications.models import Unit
from applications.states import Department

from . import tokens
from .models import ApiClient, ApiToken, Scope, System

S = Scope
# system → (display name, scopes, role of its account, department)
DEMO_SYSTEMS = {
    System.HOTLINE_95598: (
        "95598客服系统",
        [S.APPLICATIONS_READ, S.APPLICATIONS_WRITE, S.CONTACTS_WRITE, S.COMPLAINTS_WRITE],
        roles.FRONT_DESK,
        "",
    ),
    System.APP: (
        "网上国网",
        [S.APPLICATIONS_READ, S.APPLICATIONS_WRITE, S.CONTACTS_WRITE],
        roles.FRONT_DESK,
        "",
    ),
    System.MARKETING: (
        "营销业务系统",
        [S.APPLICATIONS_READ, S.PAYMENTS_WRITE],
        roles.FRONT_DESK,
        "",
    ),
    System.DISPATCH: (
        "调度（调控）系统",
        [S.APPLICATIONS_READ, S.OUTAGES_DECIDE],
        roles.APPROVER,
        Department.DISPATCH,
    ),
    System.DISTRIBUTION: (
        "配网（PMS）系统",
        [S.APPLICATIONS_READ, S.METERING_WRITE],
        roles.FRONT_DESK,
        "",
    ),
}


def demo_token(system: str) -> str:
    return f"yk_demo_{system}"


def load() -> list[str]:
    """Create the five demo systems (idempotent); returns the lines to print."""
    head = Unit.objects.get(code=DEMO_COMPANY[0])
    lines = ["", "对外接口演示令牌（仅演示用；请求头 Authorization: Bearer <令牌>）："]
    for system, (name, scopes, role, department) in DEMO_SYSTEMS.items():
        user = make_staff(
            f"api_{system}", role=role, unit=head, full_name=name, department=department
        )
        client, _created = ApiClient.objects.get_or_create(
            system=system,
            defaults={"name": name, "scopes": [str(s) for s in scopes], "user": user},
        )
        raw = demo_token(system)
        if not ApiToken.objects.filter(digest=tokens.digest(raw)).exists():
            tokens.issue(client=client, raw=raw, note="演示令牌")
        lines.append(f"  {name:<12} {raw}")
    lines.append("接口文档：http://127.0.0.1:8000/api/docs/")
    return lines

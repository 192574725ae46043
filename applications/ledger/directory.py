"""Units and staff by the names ledgers write, and which units the importing user may touch.

Loaded once per import (both tables are small), so validating a row never queries.
Staff are written in ledgers by login, by name, or as our export writes them: "张三（zhangsan）".
A manager must work in the application's unit or in the unit above it — the same rule by which
staff act for the stations under their company (`rules.scope_to_user`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .. import rules
from ..models import Unit
from .normalise import CellError, compact, header_key

_NAME_AND_LOGIN = re.compile(r"^(.*)\((.+)\)$")


@dataclass(frozen=True, slots=True)
class UnitEntry:
    id: int
    name: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class StaffEntry:
    id: int
    username: str
    name: str
    unit_id: int
    active: bool


class Directory:
    def __init__(self, user):
        units = [UnitEntry(u.pk, u.name, u.parent_id) for u in Unit.objects.all()]
        self.units = {u.id: u for u in units}
        self._unit_keys = {header_key(u.name): u for u in units}
        self._unit_keys.update(
            {
                header_key(code): self.units[pk]
                for pk, code in Unit.objects.values_list("pk", "code")
            }
        )
        self.scope = set(
            rules.scope_to_user(Unit.objects.all(), user, unit_field="").values_list(
                "pk", flat=True
            )
        )
        staff = (
            get_user_model()
            .objects.filter(staff_profile__isnull=False)
            .values_list(
                "pk", "username", "first_name", "last_name", "is_active", "staff_profile__unit_id"
            )
        )
        self._by_login: dict[str, StaffEntry] = {}
        self._by_name: dict[str, list[StaffEntry]] = {}
        for pk, username, first, last, active, unit_id in staff:
            entry = StaffEntry(pk, username, compact(f"{first}{last}"), unit_id, active)
            self._by_login[username.casefold()] = entry
            if entry.name:
                self._by_name.setdefault(entry.name, []).append(entry)

    # --- Units ----------------------------------------------------------------------------------

    def unit(self, value) -> UnitEntry:
        key = header_key(value)
        if not key:
            raise CellError(_("必填，不能为空。"))
        unit = self._unit_keys.get(key)
        if unit is None:
            raise CellError(
                _("系统中没有供电单位“%(value)s”（按单位名称或编码查找）。") % {"value": value}
            )
        return unit

    def may_touch(self, unit_id: int) -> bool:
        return unit_id in self.scope

    # --- Staff ----------------------------------------------------------------------------------

    def staff(self, value, *, unit: UnitEntry) -> StaffEntry | None:
        """The staff member a ledger names, checked to work for `unit`; None when empty."""
        written = compact(value)
        if not written:
            return None
        match = _NAME_AND_LOGIN.match(written)
        login = match.group(2) if match else written
        entry = self._by_login.get(login.casefold())
        if entry is None:
            name = match.group(1) if match else written
            candidates = [e for e in self._by_name.get(name, []) if self._serves(e, unit)]
            if len(candidates) > 1:
                raise CellError(
                    _("%(unit)s有%(n)s名员工叫“%(name)s”，请改填登录名以区分。")
                    % {"unit": unit.name, "n": len(candidates), "name": name}
                )
            if not candidates:
                raise CellError(
                    _("%(unit)s及其上级单位中没有员工“%(name)s”（按登录名或姓名查找）。")
                    % {"unit": unit.name, "name": written}
                )
            entry = candidates[0]
        if not self._serves(entry, unit):
            home = self.units.get(entry.unit_id)
            raise CellError(
                _("员工“%(name)s”属于%(home)s，不能负责%(unit)s的申请。")
                % {"name": written, "home": home.name if home else "-", "unit": unit.name}
            )
        if not entry.active:
            raise CellError(_("员工“%(name)s”的账号已停用。") % {"name": written})
        return entry

    def _serves(self, entry: StaffEntry, unit: UnitEntry) -> bool:
        return entry.unit_id in (unit.id, unit.parent_id)


def staff_label(name: str, username: str) -> str:
    """How our export writes a staff member: name and login, unambiguous on re-import."""
    return f"{name}（{username}）" if name else username


def staff_label_of(user) -> str:
    return staff_label(user.get_full_name(), user.get_username())

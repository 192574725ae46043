"""A `Table` of an application ledger → good rows and row errors (row, column, reason).

Every rule a row must meet, with the reason it fails in Chinese. Cells are converted by
`normalise`; low-cardinality columns (unit, class, voltage, stage, staff…) are memoised, so a
100,000-row file costs one conversion per distinct value there. Rows are independent except for
duplicate numbers, which make every occurrence an error: which one is right is not ours to guess.

Rules on top of the cells (README "Ledger import"):
- the model's own rules: voltage fits the class, small/micro only for low-voltage business up
  to the limit (`Application.clean`, memoised), ID checksums (GB 11643 / GB 32100);
- 证件类型 empty → taken from the number (a valid resident ID or credit code), else an error;
  联系人 empty → the customer's name;
- dates: 受理时间 required; 环节开始时间 required for an application in flight past acceptance
  (its clock starts there), else it defaults to the last date known; no date after now;
  a stage start or energization earlier than acceptance on the same day is moved to the
  acceptance time (a ledger with dates only), on an earlier day it is an error;
- 送电日期 is required for 归档/已归档 and refused before (an energized application is at
  archiving); 装表日期 may come earlier — a meter installed ahead of the system is a 线外流转
  signal, kept on the application as 装表日期（台账）;
- an in-flight application past acceptance needs its 客户经理 (and 项目经理 with grid works):
  they own its clocks and receive its warnings;
- the importing user's units only; an application handled in Yekuo keeps the stage Yekuo
  gives it — a ledger saying otherwise is an error naming both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import paths
from ..models import Application, IdType
from ..models.customer import phone_validator
from ..states import HIGH_VOLTAGE_CLASSES, LOW_VOLTAGES, BusinessType, Channel, State
from . import columns as cols
from . import ids, stages
from .cells import (
    application_number,
    blank_or,
    choice,
    code_or_blank,
    limited,
    memo,
    required,
)
from .directory import Directory, StaffEntry, UnitEntry
from .existing import Existing, existing_applications
from .normalise import (
    TZ,
    CellError,
    boolean,
    capacity,
    code,
    display,
    header_key,
    instant,
    text,
    voltage,
)
from .reader import Table
from .rows import Checked, LedgerRow, RowError, Validated

CHUNK_ROWS = 10_000  # rows converted together; progress is reported after each chunk
# The first chunk is short: in an import's pipeline the writing thread waits for it.
FIRST_CHUNK_ROWS = 1_000
_PHONE = phone_validator.regex.match
_ENERGIZED_STATES = frozenset({State.ARCHIVE, State.ARCHIVED})
_NOT_PAST_ACCEPTANCE = frozenset({State.ACCEPT, *paths.FINAL_STATES})
_START_MAY_BE_EMPTY = frozenset({State.ACCEPT, State.ARCHIVE, *paths.FINAL_STATES})
_MISSING = object()  # a cell that failed: its error is already recorded
_ABSENT = object()  # a column the file does not have


@dataclass(frozen=True, slots=True)
class _PathFacts:
    """What `paths.path_for` needs to know of an application that is not built yet."""

    customer_class: str
    has_grid_works: bool
    design_review_required: bool = True
    middle_inspection_required: bool = True

    @property
    def is_high_voltage(self) -> bool:
        return self.customer_class in HIGH_VOLTAGE_CLASSES


class ChunkedValidator:
    """What every ledger's validator shares: the file in chunks, progress, the verdict.

    A subclass reads what it needs from the database in `prepare(table)` (setting
    `self.table` and `self.present`) and checks a chunk without it in `validate_chunk`.
    """

    table: Table
    present: frozenset[str]
    progress = None

    def chunks(self) -> list[list[tuple[int, list]]]:
        rows = self.table.rows
        starts = [0, *range(min(FIRST_CHUNK_ROWS, CHUNK_ROWS), len(rows), CHUNK_ROWS)]
        ends = [*starts[1:], len(rows)]
        return [rows[start:end] for start, end in zip(starts, ends, strict=True) if start < end]

    def validate(self, table: Table) -> Validated:
        self.prepare(table)
        return self.validate_prepared()

    def validate_prepared(self) -> Validated:
        """Every chunk of the table `prepare` read for (progress after each)."""
        table = self.table
        parts = []
        done = 0
        for chunk in self.chunks():
            parts.append(self.validate_chunk(chunk))
            done += len(chunk)
            if self.progress:
                self.progress(done, len(table.rows))
        return self.result(parts)

    def result(self, parts: list[Checked]) -> Validated:
        rows = [row for part in parts for row in part.rows]
        errors = sorted((e for part in parts for e in part.errors), key=lambda e: e.row)
        bad = sorted(b for part in parts for b in part.bad)
        return Validated(self.table, rows, errors, self.present, bad)


class ApplicationLedgerValidator(ChunkedValidator):
    columns = cols.APPLICATION_COLUMNS

    def __init__(self, *, user, now: datetime | None = None, progress=None):
        self.user = user
        self.now = now or timezone.now()
        self.progress = progress
        self.directory = Directory(user)
        self.limit = Decimal(str(settings.YEKUO_SMALL_MICRO_LIMIT_KVA))
        self._clean_cache: dict = {}
        self._id_type = choice(cols.ID_TYPES, cols.CHOICE_HINTS["id_type"])
        self._business_type = choice(cols.BUSINESS_TYPES, cols.CHOICE_HINTS["business_type"])
        self._channel = choice(cols.CHANNELS, cols.CHOICE_HINTS["channel"])
        self._class_name = self._convert_class_name
        self._voltage = voltage
        self._boolean = boolean
        self._capacity = capacity
        self._unit = self.directory.unit
        self._stage = memo(lambda key: stages.resolve(key[0], app=_PathFacts(key[1], key[2])))
        self._staff = memo(lambda key: self.directory.staff(key[0], unit=key[1]))

    # --- Converters ----------------------------------------------------------------------------

    def _convert_class_name(self, value):
        key = header_key(value)
        if key in cols.CUSTOMER_CLASSES:
            return cols.CUSTOMER_CLASSES[key]
        if key in cols.TARIFF_CLASSES:
            return cols.TARIFF_CLASSES[key]  # (low-voltage class, high-voltage class)
        if not key:
            raise CellError(_("必填，不能为空。"))
        raise CellError(
            _("无法识别的用电类别“%(value)s”，可填写：%(hint)s。")
            % {"value": text(value), "hint": cols.CHOICE_HINTS["customer_class"]}
        )

    def _model_rules(self, customer_class, supply_voltage, small_micro, amount) -> dict:
        """Application.clean()'s verdict for these values, memoised on what it depends on."""
        key = (customer_class, supply_voltage, small_micro, amount > self.limit)
        if key not in self._clean_cache:
            try:
                Application(
                    customer_class=customer_class,
                    supply_voltage=supply_voltage,
                    is_small_micro=small_micro,
                    requested_capacity_kva=amount,
                ).clean()
                self._clean_cache[key] = {}
            except ValidationError as exc:
                self._clean_cache[key] = exc.message_dict
        return self._clean_cache[key]

    # --- The file ------------------------------------------------------------------------------

    def prepare(self, table: Table) -> None:
        """Everything a chunk needs from the database, read once."""
        self.table = table
        # Comparing aware datetimes of one tzinfo skips utcoffset(): keep everything in TZ.
        self.latest = (self.now + timedelta(minutes=5)).astimezone(TZ)  # a fast ledger clock
        self.present = frozenset(table.columns)
        self.headers = {key: table.header_of(key) for key in table.columns}
        self._prepare(table)
        index = table.columns["number"]
        self.numbers = [code_or_blank(cells[index]) for _n, cells in table.rows]
        self.existing = existing_applications(n for n in self.numbers if n)
        seen: dict[str, list[int]] = {}
        for (row_no, _cells), number in zip(table.rows, self.numbers, strict=True):
            if number:
                seen.setdefault(number, []).append(row_no)
        self.repeated = {n: rows for n, rows in seen.items() if len(rows) > 1}
        self.customers = {}
        self.customers = self._customers_in_several_rows()

    def _customers_in_several_rows(self) -> dict[tuple[str, str], tuple[str, str, str]]:
        """(name, contact, phone) of each customer several rows name: its last valid row's.

        Every row of that customer then carries the same values, so writing chunk by chunk
        cannot flip them back and forth (and re-importing changes nothing). Such rows are few
        and are validated here once more.
        """
        index = self.table.columns["id_number"]
        positions: dict[str, list[int]] = {}
        for position, (_row, cells) in enumerate(self.table.rows):
            positions.setdefault(code_or_blank(cells[index]).upper(), []).append(position)
        repeated = sorted(p for found in positions.values() if len(found) > 1 for p in found)
        if not repeated:
            return {}
        checked = self.validate_chunk([self.table.rows[p] for p in repeated])
        return {
            (row.id_type, row.id_number): (row.name, row.contact_name, row.phone)
            for row in checked.rows
        }

    def validate_chunk(self, chunk: list[tuple[int, list]]) -> Checked:
        """One chunk of rows (no database access: `prepare` read what is needed)."""
        checked = Checked()
        for row_no, cells, v, cell_errors in self._converted(chunk):
            row, row_errors = self.check_row(row_no, cells, v, cell_errors)
            number = v["number"]
            if number in self.repeated:
                others = "、".join(str(r) for r in self.repeated[number] if r != row_no)
                reason = _("工单编号在文件中重复出现（另见第%(rows)s行），请只保留一行。")
                row_errors.append(
                    RowError(row_no, self.headers["number"], number, reason % {"rows": others})
                )
            if row_errors:
                checked.errors.extend(row_errors)
                checked.bad.append((row_no, cells))
            else:
                same = self.customers.get((row.id_type, row.id_number))
                if same:
                    row.name, row.contact_name, row.phone = same
                checked.rows.append(row)
        return checked

    def _converted(self, chunk: list[tuple[int, list]]):
        """(row number, cells, {key: value}, cell errors) per row, converted column by column.

        Column-wise, a column of repeated values (unit, class, voltage…) is converted once per
        distinct value; the per-cell Python overhead is a list comprehension's, not a call's.
        """
        columns = list(zip(*(cells for _row, cells in chunk), strict=True))
        failed: dict[int, list[RowError]] = {}
        converted = []
        for key, index, convert, memoised in self.plan:
            values = columns[index]
            out = self._memoised(key, convert, values) if memoised else None
            if out is not None:
                cache = self._caches[key]
                clean = not any(type(x) is CellError for x in cache.values())
                bad = [] if clean else [i for i, x in enumerate(out) if type(x) is CellError]
            else:
                out, bad = [], []
                append = out.append
                for value in values:
                    try:
                        append(convert(value))
                    except CellError as exc:
                        bad.append(len(out))
                        append(exc)
            for position in bad:  # usually none: no scan of the column for them
                value = values[position]
                failed.setdefault(position, []).append(
                    RowError(
                        chunk[position][0], self.headers[key], display(value), str(out[position])
                    )
                )
                out[position] = _MISSING
            converted.append(out)
        if self.problem_rows:
            by_row = {row_no: position for position, (row_no, _cells) in enumerate(chunk)}
            for (row_no, index), reason in self.table.problems.items():
                key = self.key_at.get(index)
                if key in self.converters and row_no in by_row:
                    position = by_row[row_no]
                    header = self.headers[key]
                    # calamine read the cell as empty: the formula is the reason, not "必填".
                    errors = [e for e in failed.get(position, []) if e.column != header]
                    failed[position] = [*errors, RowError(row_no, header, "", reason)]
                    converted[self.plan_keys.index(key)][position] = _MISSING
        defaults, keys = self.defaults, self.plan_keys
        for position, values in enumerate(zip(*converted, strict=True)):
            v = dict(defaults)
            v.update(zip(keys, values, strict=True))
            row_no, cells = chunk[position]
            yield row_no, cells, v, failed.get(position, [])

    def _memoised(self, key, convert, values) -> list | None:
        cache = self._caches.setdefault(key, {})
        try:
            for value in set(values).difference(cache):
                try:
                    cache[value] = convert(value)
                except CellError as exc:
                    cache[value] = exc
        except TypeError:  # an unhashable cell: never from calamine or csv, but be safe
            return None
        return [cache[value] for value in values]

    # --- One row -------------------------------------------------------------------------------

    def _prepare(self, table: Table) -> None:
        """Per file: which converter reads which column (the loop below is the hot path)."""
        converters = {
            "number": application_number,
            "name": required(limited(text, 200)),
            "id_number": required(limited(code, 40)),
            "id_type": blank_or(self._id_type),
            "contact_name": limited(text, 50),
            "phone": required(limited(code, 30)),
            "site_address": required(limited(text, 300)),
            "unit": self._unit,
            "customer_class": self._class_name,
            "business_type": blank_or(self._business_type),
            "channel": blank_or(self._channel),
            "capacity": self._capacity,
            "supply_voltage": self._voltage,
            "is_small_micro": self._boolean,
            "has_grid_works": self._boolean,
            "accepted_at": required(instant),
            "state_changed_at": instant,
            "installed_on": instant,
            "energized_at": instant,
            "note": text,
        }
        memoised = {
            "id_type", "unit", "customer_class", "business_type", "channel", "capacity",
            "supply_voltage", "is_small_micro", "has_grid_works",
        }  # fmt: skip
        self.converters = converters
        self.plan = [
            (key, index, converters[key], key in memoised)
            for key, index in table.columns.items()
            if key in converters
        ]
        self.plan_keys = [key for key, _index, _convert, _memo in self.plan]
        self.key_at = {index: key for key, index in table.columns.items()}
        self._caches: dict[str, dict] = {}
        self.defaults = {
            "id_type": "",
            "contact_name": "",
            "business_type": "",
            "channel": "",
            "is_small_micro": False,
            "has_grid_works": False,
            "state_changed_at": None,
            "installed_on": None,
            "energized_at": None,
            "note": "",
        }
        self.problem_rows = {row for row, _index in table.problems}

    def check_row(
        self, row_no: int, cells: list, v: dict, errors: list[RowError]
    ) -> tuple[LedgerRow | None, list[RowError]]:
        """The rules across a row's converted cells `v`; `errors` holds the cells' own."""

        def refuse(key, reason, value=_MISSING):
            header = self.headers.get(key) or cols.by_key(self.columns)[key].header
            if value is _MISSING:
                index = self.table.columns.get(key)
                value = display(cells[index]) if index is not None else ""
            errors.append(RowError(row_no, header, value, reason))

        # Identity.
        id_number, id_type = v["id_number"], v["id_type"]
        if id_number is not _MISSING and id_type is not _MISSING:
            id_number = id_number.upper()
            if not id_type:
                if ids.resident_id_valid(id_number):
                    id_type = IdType.RESIDENT_ID
                elif ids.credit_code_valid(id_number):
                    id_type = IdType.CREDIT_CODE
                else:
                    refuse(
                        "id_number",
                        _(
                            "证件类型为空，且证件号码既不是有效的居民身份证号，也不是有效的统一社会信用代码。"
                        ),
                    )
            elif id_type == IdType.RESIDENT_ID and not ids.resident_id_valid(id_number):
                refuse(
                    "id_number", _("居民身份证号码无效：应为18位，出生日期、地区码和校验位正确。")
                )
            elif id_type == IdType.CREDIT_CODE and not ids.credit_code_valid(id_number):
                refuse("id_number", _("统一社会信用代码无效：应为18位且校验位正确。"))
        phone = v["phone"]
        if phone is not _MISSING and not _PHONE(phone):
            refuse("phone", str(phone_validator.message))

        unit, class_value, supply_voltage = v["unit"], v["customer_class"], v["supply_voltage"]
        grid_works = v["has_grid_works"]
        if errors and _MISSING in (unit, class_value, supply_voltage, grid_works):
            return None, errors  # later rules need these; the cells' errors say enough

        # The class: a tariff category resolves by the voltage.
        customer_class = class_value
        if type(class_value) is tuple:
            customer_class = class_value[0] if supply_voltage in LOW_VOLTAGES else class_value[1]

        # The model's rules on class, voltage, small/micro and capacity.
        amount, small_micro = v["capacity"], v["is_small_micro"]
        if amount is not _MISSING and small_micro is not _MISSING:
            verdict = self._model_rules(customer_class, supply_voltage, small_micro, amount)
            for field_name, messages in verdict.items():
                key = field_name if field_name in ("supply_voltage", "is_small_micro") else ""
                refuse(key if key in self.table.columns else "customer_class", "；".join(messages))

        # The stage.
        state = suspended_from = _MISSING
        index = self.table.columns["state"]
        raw_state = cells[index]
        if (row_no, index) in self.table.problems:
            refuse("state", self.table.problems[(row_no, index)], "")
        else:
            try:
                state, suspended_from = self._stage(
                    (raw_state if type(raw_state) is str else display(raw_state),
                     customer_class, grid_works)
                )  # fmt: skip
            except CellError as exc:
                refuse("state", str(exc))
        if errors:
            return None, errors

        # Dates.
        accepted_at, state_changed_at, energized_at, installed = self._dates(
            refuse, state, v["accepted_at"], v["state_changed_at"], v["energized_at"],
            v["installed_on"],
        )  # fmt: skip

        # Who owns it: the customer manager owns the clocks and receives their warnings.
        number = v["number"]
        existing = self.existing.get(number)
        past_acceptance = (suspended_from or state) not in _NOT_PAST_ACCEPTANCE
        manager = self._person("customer_manager", cells, unit, refuse)
        if past_acceptance and (manager is None or (manager is _ABSENT and existing is None)):
            refuse("customer_manager", _("在途申请须填写客户经理：后续办理和超期预警都由其负责。"))
        project_manager = self._person("project_manager", cells, unit, refuse)
        missing_pm = project_manager is None or (project_manager is _ABSENT and existing is None)
        if past_acceptance and grid_works and missing_pm:
            refuse("project_manager", _("有外线工程的在途申请须填写项目经理。"))

        # Whose it is, and what the ledger may still change.
        if unit.id not in self.directory.scope:
            refuse(
                "unit", _("您只能导入本单位的申请，不能导入%(unit)s的数据。") % {"unit": unit.name}
            )
        if existing is not None:
            self._check_existing(refuse, existing, state, suspended_from)
        if errors:
            return None, errors

        name = v["name"]
        row = LedgerRow(
            row=row_no,
            number=number,
            name=name,
            id_type=id_type,
            id_number=id_number,
            kind=cols.kind_for(id_type, customer_class),
            contact_name=v["contact_name"] or name,
            phone=phone,
            site_address=v["site_address"],
            unit_id=unit.id,
            customer_class=customer_class,
            business_type=v["business_type"] or BusinessType.NEW,
            channel=v["channel"] or Channel.COUNTER,
            capacity=amount,
            supply_voltage=supply_voltage,
            is_small_micro=small_micro,
            has_grid_works=grid_works,
            accepted_at=accepted_at,
            state=state,
            state_changed_at=state_changed_at,
            suspended_from=suspended_from,
            customer_manager_id=manager.id if type(manager) is StaffEntry else None,
            project_manager_id=project_manager.id if type(project_manager) is StaffEntry else None,
            installed_on=installed,
            energized_at=energized_at,
            note=v["note"],
        )
        if existing is not None:
            if installed is not None and installed == existing.meter_installed_on:
                # What our export wrote from Yekuo's own installation: nothing new to keep.
                row.installed_on = existing.ledger_installed_on
            row.existing_id = existing.id
            row.old_state = existing.state
            row.manage_lifecycle = existing.manage_lifecycle
            row.lifecycle_changed = existing.manage_lifecycle and (
                not existing.same_stage(state, suspended_from)
                or _to_second(existing.state_changed_at) != state_changed_at
            )
        return row, errors

    def _person(self, key, cells, unit: UnitEntry, refuse):
        """The staff member named, None for an empty cell, _ABSENT without the column."""
        index = self.table.columns.get(key)
        if index is None:
            return _ABSENT
        try:
            return self._staff((cells[index], unit))
        except CellError as exc:
            refuse(key, str(exc))
            return _MISSING

    def _dates(self, refuse, state, accepted_at, changed_at, energized_at, installed_on):
        limit = self.latest
        if (
            accepted_at > limit
            or (changed_at is not None and changed_at > limit)
            or (energized_at is not None and energized_at > limit)
            or (installed_on is not None and installed_on > limit)
        ):
            for key, moment in (
                ("accepted_at", accepted_at),
                ("state_changed_at", changed_at),
                ("energized_at", energized_at),
                ("installed_on", installed_on),
            ):
                if moment is not None and moment > limit:
                    refuse(key, _("日期晚于当前时间。"))
        energized_state = state in _ENERGIZED_STATES
        if energized_at is None:
            if energized_state:
                refuse(
                    "energized_at",
                    _("当前环节为“%(s)s”的申请须填写送电日期。") % {"s": _label(state)},
                )
        else:
            if not energized_state:
                refuse(
                    "energized_at",
                    _(
                        "当前环节为“%(s)s”，却已填写送电日期。"
                        "已送电的申请当前环节应为“归档”或“已归档”。"
                    )
                    % {"s": _label(state)},
                )
            if energized_at < accepted_at:
                energized_at = _not_before(
                    refuse, "energized_at", energized_at, accepted_at, "accepted_at"
                )
        if changed_at is None:
            if state not in _START_MAY_BE_EMPTY:
                refuse(
                    "state_changed_at",
                    _("在途申请须填写环节开始时间：该环节的时限从这一刻起算。"),
                )
            changed_at = energized_at if energized_state and energized_at else accepted_at
        elif changed_at < accepted_at:
            changed_at = _not_before(
                refuse, "state_changed_at", changed_at, accepted_at, "accepted_at"
            )
        if energized_state and energized_at is not None and changed_at < energized_at:
            changed_at = _not_before(
                refuse, "state_changed_at", changed_at, energized_at, "energized_at"
            )
        installed = None
        if installed_on is not None:
            installed = installed_on.date()
            if installed < accepted_at.date():
                refuse("installed_on", _("装表日期早于受理时间。"))
            if energized_at is not None and installed > energized_at.date():
                refuse("installed_on", _("装表日期晚于送电日期。"))
        return accepted_at, changed_at, energized_at, installed

    def _check_existing(self, refuse, existing: Existing, state, suspended_from):
        if not self.directory.may_touch(existing.unit_id):
            unit = self.directory.units.get(existing.unit_id)
            refuse(
                "number",
                _("该工单属于%(unit)s，您无权修改。") % {"unit": unit.name if unit else "-"},
            )
        if not existing.manage_lifecycle and not existing.same_stage(state, suspended_from):
            refuse(
                "state",
                _("该申请已在系统中办理，环节以系统为准：系统为“%(system)s”，台账为“%(ledger)s”。")
                % {
                    "system": stages.export_name(existing.state, existing.suspended_from),
                    "ledger": stages.export_name(state, suspended_from),
                },
            )


def _label(state: str) -> str:
    return str(State(state).label)


def _to_second(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(microsecond=0)


def _not_before(refuse, key, moment, floor, floor_key):
    """`moment` may not precede `floor`; on the same local day it is moved up to it."""
    if moment is None or floor is None or moment >= floor:
        return moment
    if moment.date() == floor.date():  # both are Asia/Shanghai (normalise.instant)
        return floor  # a date-only cell (00:00) on the day of a timed event
    header = cols.by_key(cols.APPLICATION_COLUMNS)[floor_key].header
    refuse(key, _("早于%(what)s（%(when)s）。") % {"what": header, "when": display(floor)})
    return moment

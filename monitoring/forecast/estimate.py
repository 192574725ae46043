"""The conditional estimate: of similar clocks still in this stage after e working days, how
many finished after the limit — Kaplan–Meier, so clocks still open count for the days they have
been seen.

Time is counted in whole working days with pauses excluded (a clock's `elapsed_working_days`:
0 when finished on its start day). For a clock open for e working days under a limit of L, the
probability of finishing late is P(T > L | T ≥ e) = Π_{t=e..L} (1 − d_t / n_t), where d_t
clocks of the group finished after exactly t working days and n_t were at risk at t:

- a finished clock (met or breached) with time T is at risk for t ≤ T and an event at T;
- a returned or cancelled clock left the stage at r without finishing: censored, at risk t ≤ r;
- an open clock seen at c has not finished before c: at risk for t ≤ c − 1 (whether it finishes
  on day c is not known yet). The clock being estimated is one of them, so it never counts
  towards its own estimate.

With no clock still open or returned, this is exactly "late ÷ still in the stage after e days".
Groups (customer class, stage, with/without grid works, unit, capacity band) fall back to
broader ones (`LEVELS`) while fewer than the policy's minimum were still in the stage after e
working days.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import get_language, gettext, gettext_noop

from applications.states import CustomerClass

from ..models.policy import CLOCK_STAGE_CHOICES

FINISHED, LEFT, OPEN = 0, 1, 2  # how a clock of the history stands (see the module docstring)

# Capacity bands (kVA, upper bounds exclusive): small low-voltage, the small/micro limit (160),
# a distribution transformer, up to the team-survey threshold (3150), and above.
CAPACITY_BOUNDS = (50, 160, 630, 3150)


@lru_cache(maxsize=256)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


def _(message: str) -> str:
    # gettext costs ~70 µs a call; a refresh writes thousands of sentences from a dozen texts.
    return _translated(get_language(), message)


def band_label(band: int) -> str:
    bounds = (0, *CAPACITY_BOUNDS)
    if band >= len(CAPACITY_BOUNDS):
        return f"≥{CAPACITY_BOUNDS[-1]} kVA"
    return f"{bounds[band]}–{bounds[band + 1]} kVA"


@dataclass(frozen=True)
class GroupKey:
    """The finest group a clock belongs to."""

    customer_class: str
    stage: str
    grid: int  # 1 with grid works (配套工程)
    unit_id: int
    band: int  # index into the capacity bands


# From the finest group to the broadest: which parts of the key each level keeps.
LEVELS: list[Callable[[GroupKey], tuple]] = [
    lambda k: (k.customer_class, k.stage, k.grid, k.unit_id, k.band),
    lambda k: (k.customer_class, k.stage, k.grid, k.unit_id),
    lambda k: (k.customer_class, k.stage, k.grid),
    lambda k: (k.customer_class, k.stage),
    lambda k: (k.stage,),
]
_STAGES = dict(CLOCK_STAGE_CHOICES)


def describe(key: GroupKey, level: int, unit_names: dict[int, str]) -> str:
    """The group of `level` in words: '低压非居民·勘查及方案答复·无配套工程·西湖·50–160 kVA'."""
    parts = []
    if level <= 3:
        parts.append(str(CustomerClass(key.customer_class).label))
    else:
        parts.append(_("全部用电类别"))
    parts.append(str(_STAGES.get(key.stage, key.stage)))
    if level <= 2:
        parts.append(_("有配套工程") if key.grid else _("无配套工程"))
    if level <= 1:
        parts.append(unit_names.get(key.unit_id, str(key.unit_id)))
    if level == 0:
        parts.append(band_label(key.band))
    return "·".join(parts)


@dataclass
class History:
    """One group's clocks as counts by working days: finished, left (returned/cancelled), open."""

    finished: dict[int, int] = field(default_factory=dict)
    left: dict[int, int] = field(default_factory=dict)
    open: dict[int, int] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    def add(self, days: int, status: int, count: int) -> None:
        target = (self.finished, self.left, self.open)[status]
        target[days] = target.get(days, 0) + count
        self._cache.clear()

    def _arrays(self):
        """Per t: at risk n_t and events d_t; and suffix sums for the counts of the sentence."""
        if "arrays" in self._cache:
            return self._cache["arrays"]
        top = max([0, *self.finished, *self.left, *self.open]) + 2
        finished = [0] * top
        exits = [0] * top  # finished or left at t: at risk up to t
        opened = [0] * top  # open at c: at risk up to c − 1, so counted as leaving at c − 1
        seen_open = [0] * top  # open at c, for "still in the stage after e days"
        for t, n in self.finished.items():
            finished[t] += n
            exits[t] += n
        for t, n in self.left.items():
            exits[t] += n
        for c, n in self.open.items():
            seen_open[c] += n
            if c > 0:
                opened[c - 1] += n
        at_risk = [0] * (top + 1)
        in_stage = [0] * (top + 1)  # clocks with time ≥ t, whatever their status
        late_after = [0] * (top + 1)  # finished with time ≥ t
        for t in range(top - 1, -1, -1):
            at_risk[t] = at_risk[t + 1] + exits[t] + opened[t]
            in_stage[t] = in_stage[t + 1] + exits[t] + seen_open[t]
            late_after[t] = late_after[t + 1] + finished[t]
        arrays = (top, finished, at_risk, in_stage, late_after)
        self._cache["arrays"] = arrays
        return arrays

    def estimate(self, elapsed: int, limit: int, *, exclude_self: bool = True) -> Estimate:
        """P(time > limit | time ≥ elapsed), with the counts that explain it.

        `exclude_self`: the clock being estimated is one of this history's open clocks (at
        `elapsed`); it is left out of the counts shown (it never weighs in the product).
        """
        top, finished, at_risk, in_stage, late_after = self._arrays()
        # Not finishing on any working day from `elapsed` to `limit` is finishing late.
        late_probability = 1.0
        for t in range(elapsed, min(limit, top - 1) + 1):
            if at_risk[t]:
                late_probability *= 1 - finished[t] / at_risk[t]
        e, beyond = min(elapsed, top), min(limit + 1, top)
        size = in_stage[e] - (1 if exclude_self else 0)
        late = late_after[beyond]
        met = late_after[e] - late
        return Estimate(
            probability=late_probability, group_size=max(size, 0), late=late, met=met,
            pending=max(size - late - met, 0),
        )  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    probability: float
    group_size: int  # still in the stage after e working days (the clock itself left out)
    late: int  # of those, finished after the limit
    met: int  # finished within it
    pending: int  # still open, returned or cancelled: counted for the days they were seen


@dataclass(frozen=True)
class Forecast:
    probability: float | None  # None: too little history even in the broadest group
    level: int
    group_size: int
    late: int
    explanation: str


class Histories:
    """The histories of every group at every level, built once per refresh from counts."""

    def __init__(self, rows: Iterable[tuple[GroupKey, int, int, int]]):
        """`rows`: (finest group, working days, status FINISHED/LEFT/OPEN, count)."""
        self.levels: list[dict[tuple, History]] = [{} for _level in LEVELS]
        self._described: dict[tuple, str] = {}
        self._language = get_language()  # read once: it costs as much as a gettext
        for key, days, status, count in rows:
            for level, project in enumerate(LEVELS):
                self.levels[level].setdefault(project(key), History()).add(days, status, count)

    def forecast(
        self,
        key: GroupKey,
        elapsed: int,
        limit: int,
        *,
        min_group_size: int,
        unit_names: dict[int, str],
    ) -> Forecast:
        """The estimate for an open clock of group `key`, seen at `elapsed` under `limit`.

        The finest group with at least `min_group_size` clocks still in the stage after
        `elapsed` working days answers; its sentence says which group and, after a fallback,
        that the finer one had too few.
        """
        if elapsed > limit:
            text = self._t(
                gettext_noop("已超过时限：已用 %(e)s 个工作日，时限 %(limit)s 个工作日。")
            ) % {
                "e": elapsed,
                "limit": limit,
            }
            return Forecast(1.0, 0, 0, 0, text)
        estimate = None
        for level, project in enumerate(LEVELS):
            history = self.levels[level].get(project(key))
            estimate = history.estimate(elapsed, limit) if history else Estimate(0, 0, 0, 0, 0)
            if estimate.group_size >= min_group_size:
                return Forecast(
                    round(estimate.probability, 4),
                    level,
                    estimate.group_size,
                    estimate.late,
                    self._sentence(
                        key, level, elapsed, limit, estimate, min_group_size, unit_names
                    ),
                )
        broadest = len(LEVELS) - 1
        text = self._t(
            gettext_noop(
                "同类历史不足：最宽的分组（%(group)s）在本环节已用 %(e)s 个工作日仍未办结的仅 "
                "%(n)s 件（少于 %(min)s 件），暂不估计。"
            )
        ) % {
            "group": self._describe(key, broadest, unit_names),
            "e": elapsed,
            "n": estimate.group_size,
            "min": min_group_size,
        }
        return Forecast(None, broadest, estimate.group_size, estimate.late, text)

    def _t(self, message: str) -> str:
        # Texts are marked with gettext_noop (for makemessages) and translated here, cached.
        return _translated(self._language, message)

    def _describe(self, key: GroupKey, level: int, unit_names: dict[int, str]) -> str:
        # Thousands of estimates share a few hundred groups: describe each once.
        cache_key = (level, LEVELS[level](key), self._language)
        if cache_key not in self._described:
            self._described[cache_key] = describe(key, level, unit_names)
        return self._described[cache_key]

    def _sentence(self, key, level, elapsed, limit, estimate, min_group_size, unit_names) -> str:
        text = self._t(
            gettext_noop(
                "同类（%(group)s）%(n)s 件在本环节已用 %(e)s 个工作日仍未办结的申请中，"
                "%(late)s 件超期（超过 %(limit)s 个工作日）"
            )
        ) % {
            "group": self._describe(key, level, unit_names),
            "n": estimate.group_size,
            "e": elapsed,
            "late": estimate.late,
            "limit": limit,
        }
        if estimate.pending:
            text += self._t(
                gettext_noop(
                    "，%(met)s 件按期，%(pending)s 件尚在办理或已退回（按已观察的天数计入）"
                )
            ) % {
                "met": estimate.met,
                "pending": estimate.pending,
            }
        text += self._t(gettext_noop("：估计超期概率 %(p)s%%。")) % {
            "p": f"{estimate.probability * 100:.0f}"
        }
        if level:
            text = (
                self._t(gettext_noop("更细的分组（%(group)s）不足 %(min)s 件，改用更宽的分组。"))
                % {"group": self._describe(key, level - 1, unit_names), "min": min_group_size}
                + text
            )
        return text

"""Every bad row is reported with its Excel row, its column and the reason, in Chinese."""

from datetime import datetime

import pytest

from applications.demo import make_staff
from applications.models import Application

from . import factory as f

pytestmark = pytest.mark.django_db


def errors_of(outcome):
    return [(e.row, e.column, e.reason) for e in outcome.errors]


def one_error(run_import, row, **kwargs):
    outcome = run_import(f.xlsx([f.row(1), row]), write=False, **kwargs)
    assert len(outcome.validated.rows) == 1, errors_of(outcome)
    assert len(outcome.errors) == 1, errors_of(outcome)
    (error,) = outcome.errors
    assert error.row == 3  # the header is row 1, the good row 2
    return error


CASES = [
    ("unknown stage", {"state": "待定"}, "当前环节", "无法识别的环节“待定”"),
    ("stage not on the path", {"state": "设计审查"}, "当前环节",
     "低压居民的流程中没有“设计文件审查”环节"),
    ("grid works without works", {"state": "外线工程"}, "当前环节", "是否有外线工程"),
    ("suspension without stage", {"state": "暂停"}, "当前环节", "须注明暂停前的环节"),
    ("bad resident id", {"id_number": "330106198001011230"}, "证件号码", "居民身份证号码无效"),
    ("id cut by excel", {"id_number": 330106198301060055.0}, "证件号码", "超过15位"),
    ("unknown unit", {"unit": "火星供电所"}, "供电单位", "系统中没有供电单位“火星供电所”"),
    ("unknown manager", {"customer_manager": "李四"}, "客户经理", "没有员工“李四”"),
    ("in flight without manager", {"customer_manager": ""}, "客户经理", "在途申请须填写客户经理"),
    ("no stage start", {"state_changed_at": None}, "环节开始时间", "在途申请须填写环节开始时间"),
    ("no acceptance time", {"accepted_at": ""}, "受理时间", "必填"),
    ("future date", {"state_changed_at": datetime(2099, 1, 1)}, "环节开始时间", "晚于当前时间"),
    ("energized but in flight", {"energized_at": datetime(2026, 3, 5)}, "送电日期",
     "已送电的申请当前环节应为"),
    ("archived without energization", {"state": "已归档"}, "送电日期", "须填写送电日期"),
    ("stage before acceptance", {"state_changed_at": datetime(2026, 2, 1)}, "环节开始时间",
     "早于受理时间"),
    ("voltage of another class", {"supply_voltage": "10kV"}, "供电电压", "供电电压与用电类别不符"),
    ("phone", {"phone": "12345"}, "联系电话", "11位手机号"),
    ("capacity words", {"capacity": "很大"}, "申请容量(kVA)", "无法识别的容量"),
    ("class unknown", {"customer_class": "外星人"}, "用电类别", "无法识别的用电类别"),
    ("yes/no", {"has_grid_works": "也许"}, "是否有外线工程", "应填写“是”或“否”"),
    ("empty number", {"number": ""}, "工单编号", "必填"),
    ("number with spaces inside", {"number": "YK 2026/中文"}, "工单编号", "只能由字母、数字"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "column", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_row_errors(run_import, values, column, reason):
    error = one_error(run_import, f.row(2, **values))
    assert error.column == column
    assert reason in error.reason


def test_small_micro_over_the_limit(run_import):
    error = one_error(run_import, f.business(2, capacity=200, is_small_micro="是"))
    assert error.column == "是否小微企业"
    assert "不能超过 160 kVA" in error.reason


def test_duplicate_numbers_refuse_every_occurrence(run_import):
    outcome = run_import(f.xlsx([f.row(1), f.row(2), f.row(1, name="另一户")]), write=False)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "工单编号"), (4, "工单编号")]
    assert "另见第4行" in outcome.errors[0].reason
    assert [r.number for r in outcome.validated.rows] == ["XH-2026-00002"]


def test_several_errors_in_one_row_are_all_reported(run_import):
    outcome = run_import(
        f.xlsx([f.row(1, unit="火星供电所", phone="1", capacity="很大")]), write=False
    )
    assert {e.column for e in outcome.errors} == {"供电单位", "联系电话", "申请容量(kVA)"}


def test_ambiguous_staff_name_asks_for_the_login(run_import, unit):
    make_staff("cm_a", role=None, unit=unit, full_name="王芳")
    make_staff("cm_b", role=None, unit=unit, full_name="王芳")
    error = one_error(run_import, f.row(2, customer_manager="王芳"))
    assert "有2名员工叫“王芳”，请改填登录名" in error.reason
    outcome = run_import(f.xlsx([f.row(2, customer_manager="王芳（cm_b）")]), write=False)
    assert not outcome.errors


def test_staff_of_another_unit_cannot_own_the_application(run_import, other_unit):
    make_staff("cm_yuhang", role=None, unit=other_unit, full_name="赵六")
    error = one_error(run_import, f.row(2, customer_manager="cm_yuhang"))
    assert "属于余杭供电公司，不能负责西湖供电服务中心的申请" in error.reason


def test_front_desk_imports_only_its_own_unit(run_import, staff, other_unit):
    error = one_error(
        run_import,
        f.row(2, unit="余杭供电公司", state="业务受理", customer_manager=""),
        user=staff["front_desk"],
    )
    assert error.column == "供电单位"
    assert "您只能导入本单位的申请" in error.reason


def test_what_is_read_for_legacy_and_messy_cells(run_import):
    rows = [
        f.business(1, state="合同签订"),  # low voltage signs at meter installation
        f.row(2, id_type="", state="暂停（供电方案答复）", customer_class="居民生活用电"),
        f.business(3, customer_class="一般工商业", supply_voltage="交流10kV", capacity="0.63MVA",
                   state="客户施工"),
        f.row(4, phone="１３８ ０００ ０００ ０４", accepted_at="2026年3月2日",
              state_changed_at=46084.5, contact_name=""),
    ]  # fmt: skip
    outcome = run_import(f.xlsx(rows), write=False)
    assert not outcome.errors, errors_of(outcome)
    by_number = {r.number: r for r in outcome.validated.rows}
    assert by_number["XH-2026-00001"].state == "energize"
    second = by_number["XH-2026-00002"]
    assert (second.state, second.suspended_from) == ("suspended", "scheme")
    assert (second.id_type, second.customer_class) == ("resident_id", "lv_resident")
    third = by_number["XH-2026-00003"]
    assert (third.customer_class, third.state, str(third.capacity)) == (
        "hv_single",
        "customer_construction",
        "630.0",
    )
    fourth = by_number["XH-2026-00004"]
    assert fourth.phone == "13800000004"
    assert fourth.contact_name == "居民客户4"  # no contact: the customer
    assert fourth.state_changed_at.strftime("%Y-%m-%d %H:%M") == "2026-03-03 12:00"


def test_a_date_only_stage_start_on_the_acceptance_day_is_not_earlier(run_import):
    outcome = run_import(
        f.xlsx([f.row(1, state_changed_at=datetime(2026, 3, 2))]), write=False
    )  # accepted 2026-03-02 09:30, stage start "2026-03-02" (00:00)
    assert not outcome.errors
    assert outcome.validated.rows[0].state_changed_at == outcome.validated.rows[0].accepted_at


def test_an_application_handled_in_yekuo_keeps_yekuo_s_stage(run_import, make_app):
    app = make_app("lv_resident", customer_manager=None)
    error = one_error(
        run_import,
        f.row(2, number=app.number, id_number=app.customer.id_number, name=app.customer.name),
    )
    assert error.column == "当前环节"
    assert "环节以系统为准：系统为“业务受理”，台账为“勘查及方案答复”" in error.reason
    assert Application.objects.get(pk=app.pk).state == "accept"

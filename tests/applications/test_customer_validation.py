"""A new customer is checked at acceptance: identity numbers, kinds, and phone numbers.

The front desk types the customer in and accepts in one go; a mistake is refused in Chinese,
naming the field, and nothing is saved.
"""

from decimal import Decimal

import pytest
from django.utils import timezone
from stdnum.cn import ric, uscc

from applications.demo import credit_code
from applications.models import Application, Customer, CustomerKind, IdType, TransitionLog
from applications.services import TransitionRefused
from applications.services.acceptance import accept_application

START = timezone.make_aware(timezone.datetime(2026, 3, 2, 9, 0))


def resident_id(body: str) -> str:
    """Add the check digit to 17 digits (stdnum's calc_check_digit skips the last character)."""
    return body + ric.calc_check_digit(body + "0")


VALID_RIC = resident_id("33010619900307002")  # 杭州西湖区, born 1990-03-07
VALID_USCC = credit_code(42)


def wrong_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("1" if last != "1" else "2")


def person(unit, **overrides) -> Customer:
    fields = {
        "name": "张三",
        "kind": CustomerKind.PERSON,
        "id_type": IdType.RESIDENT_ID,
        "id_number": VALID_RIC,
        "contact_name": "张三",
        "phone": "13812345678",
        "address": "西湖区幸福路1号",
        "unit": unit,
    }
    return Customer(**(fields | overrides))


def firm(unit, **overrides) -> Customer:
    return person(
        unit,
        **{
            "name": "杭州示例科技有限公司",
            "kind": CustomerKind.ENTERPRISE,
            "id_type": IdType.CREDIT_CODE,
            "id_number": VALID_USCC,
            **overrides,
        },
    )


def accept(staff, unit, customer, **fields):
    enterprise = customer.kind == CustomerKind.ENTERPRISE
    defaults = {
        "unit": unit,
        "customer_class": "lv_business" if enterprise else "lv_resident",
        "requested_capacity_kva": Decimal(50 if enterprise else 8),
        "supply_voltage": "380V" if enterprise else "220V",
        "site_address": "西湖区建设路8号",
        "customer_manager": staff["customer_manager"],
    }
    return accept_application(
        user=staff["front_desk"], customer=customer, at=START, **(defaults | fields)
    )


def refused(staff, unit, customer, **fields) -> list[str]:
    with pytest.raises(TransitionRefused) as caught:
        accept(staff, unit, customer, **fields)
    assert not Customer.objects.exists(), "a refused acceptance saves no customer"
    assert not Application.objects.exists()
    assert not TransitionLog.objects.exists()
    return caught.value.reasons


def test_fixture_numbers_are_valid():
    assert ric.is_valid(VALID_RIC) and uscc.is_valid(VALID_USCC)
    assert not ric.is_valid(wrong_check_digit(VALID_RIC))
    assert not uscc.is_valid(wrong_check_digit(VALID_USCC))


def test_valid_person_and_firm_are_accepted(staff, unit):
    resident = accept(staff, unit, person(unit))
    business = accept(staff, unit, firm(unit))
    assert resident.customer.pk and business.customer.pk
    assert resident.number != business.number
    assert resident.state == business.state == "accept"


@pytest.mark.parametrize(
    "number",
    [
        wrong_check_digit(VALID_RIC),
        VALID_RIC[:-1],  # 17 digits
        "33010619800101001",
        "123456789012345678",
        "ABCDEFGHIJKLMNOPQR",
    ],
)
def test_invalid_resident_id_is_refused(staff, unit, number):
    reasons = refused(staff, unit, person(unit, id_number=number))
    assert reasons == ["证件号码：居民身份证号码无效：应为18位且校验位正确。"]


def test_resident_id_with_lowercase_x_is_normalised(staff, unit):
    # A serial whose check digit is X, typed in lower case with stray spaces.
    number = next(
        n for n in (resident_id(f"33010619900307{i:03d}") for i in range(1000)) if n[-1] == "X"
    )
    app = accept(staff, unit, person(unit, id_number=f"  {number.lower()} "))
    assert app.customer.id_number == number


def test_resident_id_of_a_place_that_did_not_exist_at_birth_is_refused(staff, unit):
    # 西湖区 (330106) has existed since 1983: a checksum-valid number born in 1980 is not.
    reasons = refused(staff, unit, person(unit, id_number=resident_id("33010619800101001")))
    assert reasons == ["证件号码：居民身份证号码无效：应为18位且校验位正确。"]


@pytest.mark.parametrize(
    "number",
    [wrong_check_digit(VALID_USCC), VALID_USCC[:-1], "91330106MA0000000Z", "not-a-code"],
)
def test_invalid_credit_code_is_refused(staff, unit, number):
    reasons = refused(staff, unit, firm(unit, id_number=number))
    assert reasons == ["证件号码：统一社会信用代码无效：应为18位且校验位正确。"]


def test_person_with_a_credit_code_is_refused(staff, unit):
    reasons = refused(staff, unit, person(unit, id_type=IdType.CREDIT_CODE, id_number=VALID_USCC))
    assert reasons == ["证件类型：自然人不能使用统一社会信用代码。"]


def test_firm_with_a_resident_id_is_refused(staff, unit):
    reasons = refused(staff, unit, firm(unit, id_type=IdType.RESIDENT_ID, id_number=VALID_RIC))
    assert reasons == ["证件类型：企业客户应使用统一社会信用代码。"]


def test_other_documents_are_not_checksummed(staff, unit):
    app = accept(staff, unit, person(unit, id_type=IdType.OTHER, id_number="护照E12345678"))
    assert app.customer.id_type == IdType.OTHER


PHONE_MESSAGE = "联系电话：请输入11位手机号或带区号的固定电话，例如 13812345678 或 0571-87654321。"


@pytest.mark.parametrize(
    "phone",
    ["12812345678", "1381234567", "138123456789", "87654321", "0571-8765432a", "+8613812345678"],
)
def test_bad_phone_is_refused(staff, unit, phone):
    assert refused(staff, unit, person(unit, phone=phone)) == [PHONE_MESSAGE]


@pytest.mark.parametrize(
    "phone", ["13812345678", "19912345678", "0571-87654321", "057187654321", "010-1234567-8001"]
)
def test_mobile_and_landline_phones_are_accepted(staff, unit, phone):
    assert accept(staff, unit, person(unit, phone=phone)).customer.phone == phone


def test_every_mistake_is_reported_at_once(staff, unit):
    customer = person(
        unit,
        id_type=IdType.CREDIT_CODE,
        id_number=wrong_check_digit(VALID_USCC),
        phone="12345",
        name="",
    )
    reasons = refused(staff, unit, customer)
    assert set(reasons) == {
        "户名：此字段不能为空。",
        "证件号码：统一社会信用代码无效：应为18位且校验位正确。",
        "证件类型：自然人不能使用统一社会信用代码。",
        PHONE_MESSAGE,
    }


def test_invalid_application_saves_no_customer_either(staff, unit):
    # A resident on a 10 kV supply: the customer is fine, the application is not.
    reasons = refused(staff, unit, person(unit), supply_voltage="10kV")
    assert reasons == [
        "供电电压：供电电压与用电类别不符：低压客户用220/380 V，高压客户用10 kV及以上。"
    ]


def test_small_micro_flag_needs_low_voltage_business_within_the_limit(staff, unit, settings):
    limit = settings.YEKUO_SMALL_MICRO_LIMIT_KVA
    reasons = refused(
        staff, unit, firm(unit), is_small_micro=True, requested_capacity_kva=Decimal(limit + 1)
    )
    assert reasons == [f"小微企业：小微企业的申请容量不能超过 {limit} kVA。"]
    reasons = refused(staff, unit, person(unit), is_small_micro=True)
    assert reasons == ["小微企业：只有低压非居民客户可以标记为小微企业。"]

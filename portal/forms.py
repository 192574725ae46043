"""The customer pages' forms. Uploads are checked by content (applications.uploads)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applications.models import Unit
from applications.models.customer import CustomerKind, IdType, phone_validator
from applications.states import BusinessType, CustomerClass
from applications.uploads import DOCUMENT_KINDS, KINDS, document_max_bytes, validate_upload
from monitoring.models import Complaint

from .models import DocumentKind

ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx"
_ALLOWED = "、".join(KINDS[k].label for k in DOCUMENT_KINDS)


def _document_field(label, required):
    return forms.FileField(
        label=label,
        required=required,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class ApplyForm(forms.Form):
    customer_class = forms.ChoiceField(label=_("用电类别"), choices=CustomerClass.choices)
    business_type = forms.ChoiceField(
        label=_("业务类型"), choices=BusinessType.choices, initial=BusinessType.NEW
    )
    requested_capacity_kva = forms.DecimalField(
        label=_("申请容量(kVA)"), min_value=0.1, max_digits=10, decimal_places=1
    )
    is_small_micro = forms.BooleanField(
        label=_("小微企业（低压非居民，享受“三零”服务）"), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("供电单位（用电地址所在地）"), queryset=Unit.objects.order_by("code")
    )
    site_address = forms.CharField(label=_("用电地址"), max_length=300)
    name = forms.CharField(label=_("户名"), max_length=200)
    kind = forms.ChoiceField(label=_("客户类型"), choices=CustomerKind.choices)
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=40)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        validators=[phone_validator],
        help_text=_("查询进度时须输入此号码，或以此号码接收验证码"),
    )
    identity_document = _document_field(DocumentKind.IDENTITY.label, True)
    property_document = _document_field(DocumentKind.PROPERTY.label, False)
    licence_document = _document_field(DocumentKind.LICENCE.label, False)

    DOCUMENT_FIELDS = {
        "identity_document": DocumentKind.IDENTITY,
        "property_document": DocumentKind.PROPERTY,
        "licence_document": DocumentKind.LICENCE,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = document_max_bytes() // (1024 * 1024)
        for name in self.DOCUMENT_FIELDS:
            self.fields[name].help_text = _("接受 %(allowed)s，不超过 %(mb)s MB") % {
                "allowed": _ALLOWED,
                "mb": limit,
            }
        self.content_kinds: dict[str, str] = {}

    def _clean_document(self, name):
        file = self.cleaned_data.get(name)
        if file:
            self.content_kinds[name] = validate_upload(file, DOCUMENT_KINDS)
        return file

    def clean_identity_document(self):
        return self._clean_document("identity_document")

    def clean_property_document(self):
        return self._clean_document("property_document")

    def clean_licence_document(self):
        return self._clean_document("licence_document")

    def documents(self) -> list[tuple[str, object, str]]:
        """(kind, file, content kind) of every document uploaded."""
        return [
            (kind, self.cleaned_data[name], self.content_kinds[name])
            for name, kind in self.DOCUMENT_FIELDS.items()
            if self.cleaned_data.get(name)
        ]

    def application_fields(self) -> dict:
        data = dict(self.cleaned_data)
        for name in self.DOCUMENT_FIELDS:
            data.pop(name, None)
        return data


class LookupForm(forms.Form):
    number = forms.CharField(label=_("工单编号"), max_length=20)
    phone = forms.CharField(
        label=_("登记的联系电话"),
        max_length=30,
        required=False,
        help_text=_("或点击“发送验证码”，以登记电话接收验证码"),
    )
    code = forms.CharField(label=_("验证码"), max_length=6, required=False)

    def clean(self):
        data = super().clean()
        action = self.data.get("action", "verify")
        if action == "verify" and not (data.get("phone") or data.get("code")):
            raise ValidationError(_("请输入登记的联系电话或验证码。"))
        return data


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, f"{n}") for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("评价意见"), required=False, widget=forms.Textarea)


class OffRecordForm(forms.Form):
    words = forms.CharField(
        label=_("请说明您遇到的情况"),
        max_length=2000,
        widget=forms.Textarea,
        help_text=_(
            "如：被要求线下交材料、私下付费、指定设计施工单位等。您的原话将交监督人员核查。"
        ),
    )


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=Complaint.Kind.choices)
    category = forms.ChoiceField(label=_("问题分类"), choices=Complaint.Category.choices)
    content = forms.CharField(label=_("诉求内容"), max_length=2000, widget=forms.Textarea)
    reporter_name = forms.CharField(
        label=_("举报人姓名（仅举报，可不填）"), max_length=50, required=False
    )
    reporter_phone = forms.CharField(
        label=_("举报人电话（仅举报，可不填）"), max_length=30, required=False
    )

"""What the customer pages keep: the documents uploaded with an application, and ratings.

Uploaded files live under MEDIA_ROOT (never served by URL); staff open them through the admin,
which checks their region and writes the personal-data access log (portal.admin).
"""

import uuid
from pathlib import PurePosixPath

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def document_path(instance, filename: str) -> str:
    """A random name under portal/documents/YYYY/MM/: the customer's own file name (often
    their name or ID number) is kept in `original_name`, not on disk."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"portal/documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class DocumentKind(models.TextChoices):
    IDENTITY = "identity", _("身份证明")
    PROPERTY = "property", _("房屋产权或租赁证明")
    LICENCE = "licence", _("营业执照等证照")


class CustomerDocument(models.Model):
    """A document the customer uploaded when applying online; staff check and receive it."""

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.PROTECT,
        related_name="customer_documents",
    )
    kind = models.CharField(_("资料类型"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=document_path, max_length=200)
    content_kind = models.CharField(_("文件格式（按内容判断）"), max_length=10)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("客户上传资料")
        verbose_name_plural = _("客户上传资料")
        ordering = ["application", "kind", "pk"]

    def __str__(self):
        return f"{self.application.number} {self.get_kind_display()}"


class ServiceRating(models.Model):
    """The customer's own rating after energization (1–5 and a comment), once per application.

    Counted in the satisfaction rate with the satisfaction callbacks (monitoring.dashboard:
    a customer counts once; the callback's score wins when both exist).
    """

    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("业扩申请"),
        on_delete=models.PROTECT,
        related_name="service_rating",
    )
    # Denormalised for region scoping and the dashboard's per-unit figures.
    unit = models.ForeignKey(
        "applications.Unit", verbose_name=_("供电单位"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("评价意见"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"), db_index=True)

    class Meta:
        verbose_name = _("客户网页评价")
        verbose_name_plural = _("客户网页评价")
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__range=(1, 5)), name="service_rating_1_to_5"
            )
        ]

    def __str__(self):
        return f"{self.application.number} {self.score}"

"""Masking in templates: `{% load privacy %}{{ customer.phone|mask_phone:full }}`.

The argument says whether this user may see the whole value here (the view decides, with
`applications.privacy.sees_personal_data`); without it the value is always masked.
"""

from django import template

from applications import privacy

register = template.Library()


@register.filter
def mask_id_number(value, full=False):
    return privacy.shown(value, kind="id_number", full=bool(full))


@register.filter
def mask_phone(value, full=False):
    return privacy.shown(value, kind="phone", full=bool(full))

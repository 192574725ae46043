"""Converters of cells built from `normalise`: required, bounded, memoised, chosen."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from .normalise import CellError, code, header_key, text

_MISSING = object()


def memo(convert: Callable) -> Callable:
    """Memoise a converter of hashable cells, errors included."""
    cache: dict = {}

    def converted(value):
        try:
            found = cache.get(value, _MISSING)
        except TypeError:  # unhashable: never from calamine or csv, but be safe
            return convert(value)
        if found is _MISSING:
            try:
                found = convert(value)
            except CellError as exc:
                found = exc
            cache[value] = found
        if isinstance(found, CellError):
            raise found
        return found

    return converted


def choice(table: dict[str, str], hint) -> Callable:
    def convert(value):
        key = header_key(value)
        if key in table:
            return table[key]
        raise CellError(
            _("无法识别“%(value)s”，可填写：%(hint)s。") % {"value": text(value), "hint": hint}
        )

    return memo(convert)


def required(convert: Callable) -> Callable:
    def converted(value):
        result = convert(value)
        if result in ("", None):
            raise CellError(_("必填，不能为空。"))
        return result

    return converted


def blank_or(convert: Callable) -> Callable:
    def converted(value):
        return (
            ""
            if value is None or (isinstance(value, str) and not value.strip())
            else (convert(value))
        )

    return converted


def limited(convert: Callable, length: int) -> Callable:
    def converted(value):
        result = convert(value)
        if len(result) > length:
            raise CellError(_("太长：最多%(n)s个字符。") % {"n": length})
        return result

    return converted


_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/.-]{0,19}$")


def application_number(value) -> str:
    number = code(value)
    if not number:
        raise CellError(_("必填，不能为空。"))
    if not _NUMBER.match(number):
        raise CellError(_("工单编号只能由字母、数字和 - _ / . 组成，最多20个字符。"))
    return number


def code_or_blank(value) -> str:
    try:
        return code(value)
    except CellError:
        return ""

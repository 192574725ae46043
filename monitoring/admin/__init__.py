from . import calendar  # noqa: F401

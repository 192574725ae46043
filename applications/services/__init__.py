"""Services: the only code that writes applications. Admin, tasks, imports and tests call them."""

from .errors import TransitionRefused

__all__ = ["TransitionRefused"]

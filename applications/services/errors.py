from django.utils.translation import gettext as _


class TransitionRefused(Exception):
    """An action was refused; `reasons` says why, in the user's language."""

    def __init__(self, reasons: list[str] | str):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("；".join(self.reasons))

    @property
    def message(self) -> str:
        return _("无法办理：") + "；".join(r.rstrip("。；") for r in self.reasons) + "。"

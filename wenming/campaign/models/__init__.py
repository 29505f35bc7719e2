from .action import Action, ActionKind, Campaign

__all__ = ["Action", "ActionKind", "Campaign"]

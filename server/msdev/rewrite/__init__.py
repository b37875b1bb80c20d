"""Rewrites: one implementation shared by quick fixes, `msdev convert` and `msdev db verify`."""

from .calls import CannotRewrite
from .convert import UNCONVERT_TAG, Conversion, Outcome, convert_text, quick_fix

__all__ = ["CannotRewrite", "Conversion", "Outcome", "UNCONVERT_TAG", "convert_text", "quick_fix"]

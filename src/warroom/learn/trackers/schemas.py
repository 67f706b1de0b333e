"""What a tracker's webhook gets back."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class WebhookResult(BaseModel):
    result: Literal["applied", "ignored"]
    """``applied``: a known issue was closed or reopened; ``ignored``: anything else."""

"""Next best action: a configurable mapping of (stage, grade) to a campaign.

Rules are looked up most specific first: ``"stage:grade"``, then ``"stage"``, then
``"*:grade"``, then the default. The defaults below follow the usual B2B playbook; pass your
own mapping to :class:`CampaignRules` (e.g. from a JSON file) to change them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scoring.errors import ScoringInputError

DEFAULT_CAMPAIGNS: dict[str, str] = {
    "awareness": "brand_nurture",
    "awareness:A": "targeted_content",
    "interest": "content_nurture",
    "interest:A": "sales_development_outreach",
    "interest:B": "webinar_invitation",
    "consideration": "sales_development_outreach",
    "consideration:A": "account_executive_call",
    "consideration:B": "demo_offer",
    "purchase": "onboarding",
    "retention": "customer_newsletter",
    "retention:A": "cross_sell_offer",
    "retention:B": "upsell_review",
    "advocacy": "reference_program",
    "at_risk": "retention_call",
    "at_risk:D": "win_back_offer",
    "churned": "win_back_offer",
    "churned:D": "no_action",
}


@dataclass(frozen=True)
class CampaignRules:
    mapping: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CAMPAIGNS))
    default: str = "no_action"

    def campaign(self, stage: str, grade: str) -> str:
        m = self.mapping
        for key in (f"{stage}:{grade}", stage, f"*:{grade}"):
            if key in m:
                return m[key]
        return self.default

    @classmethod
    def from_file(cls, path: Path) -> CampaignRules:
        """Rules from a JSON object of ``{"stage" | "stage:grade" | "*:grade": campaign}``."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ScoringInputError(f"{path}: unreadable campaign rules: {exc}") from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ScoringInputError(f"{path}: campaign rules must map strings to strings")
        default = data.pop("default", "no_action")
        return cls(mapping={**DEFAULT_CAMPAIGNS, **data}, default=default)

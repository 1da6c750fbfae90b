"""Messages of the moderation queue and the follow review (kept apart from
`messages.py` so that screens built in parallel merge without conflict)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from inmm_tui.domain.follows import Balance, ReviewStatus
    from inmm_tui.domain.moderation import Item
    from inmm_tui.domain.oversight import EvidenceView, FollowedPage


class ItemLoaded(Message):
    """One moderation item with its evidence, verified as it was read."""

    def __init__(self, item: Item, evidence: EvidenceView | None) -> None:
        super().__init__()
        self.item = item
        self.evidence = evidence


class AnswerDrafted(Message):
    """An answer to a mention is a draft: open it in compose."""

    def __init__(self, post_id: int) -> None:
        super().__init__()
        self.post_id = post_id


class FollowedLoaded(Message):
    def __init__(self, outlet: str, page: FollowedPage) -> None:
        super().__init__()
        self.outlet = outlet
        self.page = page


class FollowSummaryLoaded(Message):
    """The balance of each outlet and where the full review stands."""

    def __init__(self, balances: list[Balance], review: ReviewStatus) -> None:
        super().__init__()
        self.balances = balances
        self.review = review

from __future__ import annotations

from django.db import models


class RateLimitCounter(models.Model):
    """How often one key (an action and who or where it comes from) was used in one window.

    Written only by ``seatwise.core.ratelimit.rate_limit_hit``, one atomic upsert per hit, so
    that concurrent requests can never pass a limit together.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_limit_key_window")
        ]
        indexes = [models.Index(fields=["window_start"], name="rate_limit_window_idx")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start:%Y-%m-%d %H:%M}: {self.hits}"

"""The platform's metric totals on AWS (docs/architecture.md, "Metrics"): one item holding every
series' sum of what CloudWatch had up to `foldedUntil`, which `GET /metrics` adds each newly
settled window to (services/metrics_fold.py). Not tenant data: its partition is `METRICS`.

A fold writes the item back only if `foldedUntil` is still what it read (a conditional PutItem), so
two scrapes at once cannot add the same window twice: the one that loses reads the winner's item.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import JSONAttribute, NumberAttribute
from pynamodb.exceptions import PutError

from contact_platform.metrics import Series
from contact_platform.store.table import Item, get_item

METRICS_PK = "METRICS"  # the only partition the metrics function may touch (infra/table_access.py)
TOTALS_SK = "TOTALS"


class MetricTotalsItem(Item, discriminator="metric-totals"):
    folded_until = NumberAttribute(attr_name="foldedUntil")  # epoch seconds: the end of the last window added
    totals = JSONAttribute(default=list)  # [[metric, [[dimension, value], ...], sum], ...]


@dataclass(frozen=True)
class Totals:
    folded_until: int
    sums: dict[Series, float]


def get() -> Totals | None:
    item = get_item(MetricTotalsItem, METRICS_PK, TOTALS_SK)
    if item is None:
        return None
    sums = {(str(name), tuple((str(k), str(v)) for k, v in dims)): float(value) for name, dims, value in item.totals}
    return Totals(int(item.folded_until), sums)


def save(totals: Totals, previous: int | None) -> bool:
    """Write `totals` if the stored item still ends at `previous` (None: there is none yet); False if
    another fold wrote first."""
    item = MetricTotalsItem(
        pk=METRICS_PK,
        sk=TOTALS_SK,
        folded_until=totals.folded_until,
        totals=[[name, [list(pair) for pair in dims], value] for (name, dims), value in sorted(totals.sums.items())],
    )
    condition = MetricTotalsItem.pk.does_not_exist() if previous is None else MetricTotalsItem.folded_until == previous
    try:
        item.save(condition=condition)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True

"""The risk appetite as a full grid: environment x data classification → maximum residual risk.

`risk_appetite.yaml` states a default and rules for an environment, a data classification or
both. For each known pair the most specific matching rule wins (both fields > one field >
default); when an environment rule and a classification rule both match, the stricter one
wins. The grid adds `unknown` on each axis (an inventory value that is NULL or invalid): an
unknown cell carries the strictest (lowest) limit over the dimension it does not know, so a
missing or invalid value never hides a breach.
"""

from __future__ import annotations

from dataclasses import dataclass

from aisec_assets.governance.documents import AppetiteFile
from aisec_resources.records import DATA_CLASSIFICATIONS, DEPLOYMENT_ENVS

UNKNOWN = "unknown"
ENVIRONMENTS: tuple[str, ...] = (*DEPLOYMENT_ENVS, UNKNOWN)
CLASSIFICATIONS: tuple[str, ...] = (*DATA_CLASSIFICATIONS, UNKNOWN)
DEFAULT_RULE = "default_max_residual"


@dataclass(frozen=True)
class AppetiteCell:
    environment: str
    data_classification: str
    max_residual_risk: float
    rule: str

    def row(self) -> tuple[str, str, float, str]:
        return (self.environment, self.data_classification, self.max_residual_risk, self.rule)


def _known_cell(appetite: AppetiteFile, environment: str, classification: str) -> AppetiteCell:
    best: tuple[int, float, int] | None = None  # (-specificity, limit, position)
    for i, rule in enumerate(appetite.rules):
        if rule.environment not in (None, environment):
            continue
        if rule.data_classification not in (None, classification):
            continue
        specificity = (rule.environment is not None) + (rule.data_classification is not None)
        candidate = (-specificity, rule.max_residual, i)
        if best is None or candidate < best:
            best = candidate
    if best is None:
        return AppetiteCell(
            environment, classification, float(appetite.default_max_residual), DEFAULT_RULE
        )
    _, limit, i = best
    return AppetiteCell(
        environment, classification, float(limit), f"rules[{i}] ({appetite.rules[i].selector})"
    )


def _strictest(
    cells: list[AppetiteCell], environment: str, classification: str, over: str
) -> AppetiteCell:
    # The first of the lowest limits, in the enumeration order (deterministic).
    worst = min(cells, key=lambda c: c.max_residual_risk)
    where = f"{worst.environment}/{worst.data_classification}"
    return AppetiteCell(
        environment,
        classification,
        worst.max_residual_risk,
        f"strictest over {over} ({where}: {worst.rule})",
    )


def expand_appetite(appetite: AppetiteFile) -> list[AppetiteCell]:
    """Every environment x data classification, `unknown` included on both axes (5 x 6 = 30
    cells), in a stable order."""
    known = {
        (env, cls): _known_cell(appetite, env, cls)
        for env in DEPLOYMENT_ENVS
        for cls in DATA_CLASSIFICATIONS
    }
    grid: list[AppetiteCell] = []
    for env in ENVIRONMENTS:
        for cls in CLASSIFICATIONS:
            if env != UNKNOWN and cls != UNKNOWN:
                grid.append(known[env, cls])
            elif env == UNKNOWN and cls != UNKNOWN:
                column = [known[e, cls] for e in DEPLOYMENT_ENVS]
                grid.append(_strictest(column, env, cls, "environments"))
            elif env != UNKNOWN:
                row = [known[env, c] for c in DATA_CLASSIFICATIONS]
                grid.append(_strictest(row, env, cls, "data classifications"))
            else:
                grid.append(
                    _strictest(list(known.values()), env, cls, "environments and classifications")
                )
    return grid

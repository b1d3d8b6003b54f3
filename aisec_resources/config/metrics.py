"""`metrics:` in aisec.yaml: the maturity thresholds the design brief leaves to the program.

```yaml
metrics:
  target_level: 3                # the level the program aims at (the dashboard's radar)
  maturity:                      # rate thresholds (0-1) for levels 4 / 3 / 2
    governance: {level4: 0.95, level3: 0.80, level2: 0.50}          # policies current
    technical_controls: {level4: 0.90, level3: 0.75, level2: 0.50}  # required controls in place
    monitoring: {level4: 0.90, level3: 0.70, level2: 0.40}          # detective controls in place
    compliance: {level4: 0.90, level3: 0.70, level2: 0.40}          # framework requirements met
```

Asset Management, Incident Response and Red Teaming use the brief's thresholds exactly and are
not configurable.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from aisec_resources.config.base import _Strict

Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class LevelThresholds(_Strict):
    """The rate a dimension needs for levels 4, 3 and 2 (below level2: level 1)."""

    level4: Rate
    level3: Rate
    level2: Rate

    @model_validator(mode="after")
    def _descending(self) -> LevelThresholds:
        if not self.level4 >= self.level3 >= self.level2:
            raise ValueError("thresholds must not increase: level4 >= level3 >= level2")
        return self


class MaturityThresholds(_Strict):
    governance: LevelThresholds = LevelThresholds(level4=0.95, level3=0.80, level2=0.50)
    technical_controls: LevelThresholds = LevelThresholds(level4=0.90, level3=0.75, level2=0.50)
    monitoring: LevelThresholds = LevelThresholds(level4=0.90, level3=0.70, level2=0.40)
    compliance: LevelThresholds = LevelThresholds(level4=0.90, level3=0.70, level2=0.40)

    def variables(self) -> dict[str, float]:
        """`<dimension>_level4` ... as the maturity SQL reads them."""
        return {
            f"{dimension}_{level}": value
            for dimension, thresholds in self.model_dump().items()
            for level, value in thresholds.items()
        }


class MetricsConfig(_Strict):
    target_level: Annotated[int, Field(ge=1, le=5)] = 3
    maturity: MaturityThresholds = MaturityThresholds()

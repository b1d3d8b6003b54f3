"""`sources:` in aisec.yaml: where discovery reads.

The section is a mapping from a source's config key to its settings. Each discovery source
declares its own settings model beside its spec (`aisec_assets/discovery/sources/`); the
composition root validates every section against it when the configuration loads
(`aisec_jobs.loader.validate_sections`). What the sources share lives here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from aisec_resources.config.base import Strict


class NamedPath(Strict):
    """A directory the program reads, with a stable name used in asset ids."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    path: Path

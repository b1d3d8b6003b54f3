"""Data contracts on the discovery sources."""

import dagster as dg

from aisec_assets.discovery.sources import DISCOVERY_SOURCES
from aisec_resources.warehouse import WarehouseResource


def _freshness_check(asset_name: str, source: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_name,
        name="source_is_fresh",
        description=f"The {source} source's last attempt succeeded (else its data is the last "
        "good data, kept and marked stale).",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(publish=False) as conn:
            row = conn.execute(
                "SELECT status, stale, last_error, last_success_at, record_count "
                "FROM discovery.source_status WHERE source = ?",
                [source],
            ).fetchone()
        if row is None:
            return dg.AssetCheckResult(
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{source} has never run",
            )
        status, stale, error, last_success, records = row
        return dg.AssetCheckResult(
            passed=not stale,
            severity=dg.AssetCheckSeverity.WARN,
            description=None if not stale else f"{source} failed: {(error or '')[:500]}",
            metadata={
                "status": status,
                "records": records,
                "last_success_at": str(last_success) if last_success else "never",
            },
        )

    return _check


DISCOVERY_CHECKS = [_freshness_check(spec.asset_name, spec.source) for spec in DISCOVERY_SOURCES]

"""Data contracts on the discovery sources."""

import dagster as dg

from aisec_assets.discovery.sources import DISCOVERY_SOURCES
from aisec_resources.redaction.dagster_io import safe_metadata
from aisec_resources.warehouse import WarehouseResource


def _freshness_check(asset_name: str, source: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_name,
        name="source_is_fresh",
        description=f"The {source} source's last attempt read all of it (else the data of what "
        "could not be read is the last good data, kept and marked stale: status failed, or "
        "partial when only some parts, e.g. one subscription or location, were unreadable).",
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
        fresh = status == "ok" and not stale
        return dg.AssetCheckResult(
            passed=fresh,
            severity=dg.AssetCheckSeverity.WARN,
            description=None if fresh else f"{source} {status}: {(error or '')[:500]}",
            metadata=safe_metadata(
                {
                    "status": status,
                    "stale": bool(stale),
                    "records": records,
                    "last_success_at": str(last_success) if last_success else "never",
                }
            ),
        )

    return _check


DISCOVERY_CHECKS = [_freshness_check(spec.asset_name, spec.source) for spec in DISCOVERY_SOURCES]

"""Cloud accounts and subscriptions become collection partitions, each collected once a day.

For every source whose `live` section is configured (AWS: accounts from the configured list or
AWS Organizations; Azure: subscriptions from the list or the subscriptions API), the sensor adds
the keys it has not seen as dynamic partitions and requests one collection run per key and day
(the run key makes Dagster start each at most once a day). A key that disappears from the
listing keeps its partition and its last collected data: nothing is deleted because an API call
failed or an account left the organisation; the log says which keys are no longer listed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import dagster as dg

from aisec_assets.discovery.collection_assets import partitioned_collections, partitions_of
from aisec_assets.discovery.sources import SourceSpec
from aisec_assets.discovery.sources.spec import LiveCollection
from aisec_jobs.jobs import COLLECTION_JOBS
from aisec_resources.clock import today_in
from aisec_resources.config import AisecConfig
from aisec_resources.redaction.dagster_io import log_for


def live_collections(config: AisecConfig) -> list[tuple[SourceSpec, LiveCollection[Any], Any]]:
    """(spec, collection, section) of every partitioned collection configured live."""
    found = []
    for spec, collection in partitioned_collections():
        section = spec.section(config)
        if section is not None and collection.is_live(section):
            found.append((spec, collection, section))
    return found


def collection_requests(
    collection: LiveCollection[Any], keys: list[str], known: set[str], day: date
) -> tuple[list[str], list[dg.RunRequest]]:
    """(keys to add as partitions, one run request per key for `day`)."""
    job = COLLECTION_JOBS[collection.name]
    new = [key for key in keys if key not in known]
    requests = [
        dg.RunRequest(
            run_key=f"{collection.name}:{key}:{day.isoformat()}",
            job_name=job.name,
            partition_key=key,
            tags={"aisec/collection": collection.name},
        )
        for key in keys
    ]
    return new, requests


def build_cloud_accounts_sensor(config: AisecConfig) -> dg.SensorDefinition:
    configured = live_collections(config)
    where = ", ".join(f"{spec.config_path}.live" for spec, _, _ in configured) or "none configured"

    @dg.sensor(
        jobs=list(COLLECTION_JOBS.values()),
        minimum_interval_seconds=config.schedules.accounts_sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Lists the cloud accounts and subscriptions of the live discovery sources "
        f"(here: {where}); each becomes a partition of its collection asset, collected once a "
        "day (a new account at once).",
    )
    def cloud_accounts_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        log = log_for(context)
        day = today_in(config.timezone)
        partition_requests: list[Any] = []
        run_requests: list[dg.RunRequest] = []
        skipped: list[str] = []
        for _spec, collection, section in configured:
            try:
                keys = collection.list_keys(section)
            except Exception as exc:  # a listing failure must not stop the other sources
                skipped.append(
                    f"{collection.name}: cannot list {collection.partition_kind}s: {exc}"
                )
                log.error(skipped[-1])
                continue
            partitions = partitions_of(collection)
            known = set(context.instance.get_dynamic_partitions(collection.partitions_name))
            new, requests = collection_requests(collection, keys, known, day)
            gone = sorted(known - set(keys))
            if gone:
                log.warning(
                    f"{collection.name}: {len(gone)} {collection.partition_kind}(s) no longer "
                    f"listed, their partitions and last data kept: {gone[:20]}"
                )
            if new:
                log.info(f"{collection.name}: new {collection.partition_kind}s: {new[:20]}")
                partition_requests.append(partitions.build_add_request(new))
            run_requests += requests
        if not configured:
            return dg.SensorResult(skip_reason="no live discovery source configured")
        if not run_requests:
            return dg.SensorResult(skip_reason="; ".join(skipped) or "nothing listed")
        return dg.SensorResult(
            run_requests=run_requests, dynamic_partitions_requests=partition_requests
        )

    return cloud_accounts_sensor

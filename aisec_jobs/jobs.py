"""Jobs: the main job (the whole graph for one day), nightly rescoring, discovery, monitoring,
incidents (opened from detections; moved through their states by incident_state_job)."""

from __future__ import annotations

import dagster as dg

from aisec_assets.discovery.collection_assets import partitioned_collections, partitions_of
from aisec_jobs.execution import default_run_config
from aisec_jobs.incident_ops import incident_state_job

# The program's unpartitioned spine, for one day: discovery -> inventory -> governance and
# control evidence -> risk -> coverage, gaps, framework compliance -> KPIs, plus the rule pack.
# The daily-partitioned monitoring assets run in monitoring_job; the live collections (group
# `collection`, partitioned by account) in their own jobs below.
SPINE = dg.AssetSelection.groups(
    "discovery",
    "inventory",
    "governance",
    "controls",
    "risk",
    "compliance",
    "operations",
    "metrics",
)
main_job = dg.define_asset_job(
    "aisec_main_job",
    config=default_run_config(),
    selection=SPINE | dg.AssetSelection.assets("detection_rules"),
    description="Discover every source, rebuild the inventory, assess governance and control "
    "evidence, score risk, report coverage, gaps and framework compliance, compute KPIs and "
    "maturity for one day (run tag aisec/as_of; default today).",
)

# Nightly rescoring: risk moves with time (reviews go stale) even when nothing is rediscovered.
rescoring_job = dg.define_asset_job(
    "nightly_rescoring_job",
    config=default_run_config(),
    selection=dg.AssetSelection.groups("governance", "controls", "risk", "compliance", "metrics"),
    description="Reassess governance (acceptances expire, policies fall due) and control "
    "evidence, rescore risk, recompute coverage, compliance gaps, framework compliance, KPIs "
    "and maturity for one day.",
)

# Discovery and the inventory it feeds, then everything downstream so new assets get scored.
discovery_job = dg.define_asset_job(
    "discovery_job",
    config=default_run_config(),
    selection=dg.AssetSelection.groups("discovery").downstream() & SPINE,
    description="Rediscover every source and bring the inventory and everything after it "
    "up to date.",
)

# LLM traffic of one or more UTC days (one run for a range: single-run backfills).
monitoring_job = dg.define_asset_job(
    "monitoring_job",
    config=default_run_config(),
    selection=dg.AssetSelection.assets("llm_events", "detections"),
    description="Ingest the day's LLM logs from every source and run the detection rules.",
)

# After the monitoring job (`aisec run`; critical_detection_sensor on critical hits): open
# incidents from the new detections (and the day's findings).
incident_job = dg.define_asset_job(
    "incident_job",
    config=default_run_config(),
    selection=dg.AssetSelection.assets("incidents"),
    description="Open incidents from the detections of the last days not yet attached to one "
    "and from the day's findings; attach new evidence to open incidents.",
)

# After the incident job (`aisec run`): KPIs, maturity, what changed, the dashboard and the
# executive report again, now with the day's detections and incidents.
metrics_job = dg.define_asset_job(
    "metrics_job",
    config=default_run_config(),
    selection=dg.AssetSelection.groups("metrics"),
    description="Recompute KPIs, maturity and the day's changes, and regenerate the program "
    "dashboard and the executive report (after the monitoring and incident jobs).",
)

# One run per account / subscription (a partition): started by the accounts sensor daily and
# for new accounts, by `aisec run` before the main job, or from the UI for one account alone.
COLLECTION_JOBS = {
    collection.name: dg.define_asset_job(
        f"{collection.name}_collection_job",
        config=default_run_config(),
        selection=dg.AssetSelection.assets(collection.asset_name),
        partitions_def=partitions_of(collection),
        description=f"Collect one {collection.partition_kind} of {spec.config_path} from the "
        "live APIs into its offline bundle (the extract assets parse it in the main job).",
    )
    for spec, collection in partitioned_collections()
}

JOBS = [
    main_job,
    rescoring_job,
    discovery_job,
    monitoring_job,
    incident_job,
    incident_state_job,
    metrics_job,
    *COLLECTION_JOBS.values(),
]

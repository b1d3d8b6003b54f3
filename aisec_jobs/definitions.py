"""The composition root: the one `Definitions` of the aisec code location.

Importing this module does nothing but define functions. Dagster calls the `@dg.definitions`
loader `defs`, which reads `aisec.yaml` (AISEC_CONFIG, else the bundled demo estate, generated
on first use) and builds the graph; an invalid file stops the code location from loading with
file, key and reason.
"""

from functools import cache

import dagster as dg

from aisec_assets.compliance.assets import (
    compliance_findings,
    compliance_gaps,
    framework_compliance,
)
from aisec_assets.controls.assets import CONTROLS_ASSETS
from aisec_assets.discovery.assets import DISCOVERY_ASSET_KEYS, DISCOVERY_ASSETS
from aisec_assets.discovery.checks import DISCOVERY_CHECKS
from aisec_assets.discovery.collection_assets import COLLECTION_ASSETS
from aisec_assets.governance.assets import GOVERNANCE_ASSETS
from aisec_assets.inventory.assets import build_inventory_assets
from aisec_assets.inventory.checks import INVENTORY_CHECKS
from aisec_assets.metrics.assets import maturity_scores, program_kpis
from aisec_assets.metrics.changes import CHANGES_ASSETS
from aisec_assets.metrics.reporting_assets import REPORTING_ASSETS
from aisec_assets.monitoring.assets import build_monitoring_assets, monitoring_partitions
from aisec_assets.operations.incident_assets import INCIDENT_ASSETS, INCIDENT_CHECKS
from aisec_assets.operations.playbook_assets import PLAYBOOK_ASSETS
from aisec_assets.operations.redteam.assets import RED_TEAM_ASSETS
from aisec_assets.risk.assets import risk_scores
from aisec_assets.risk.checks import RISK_CHECKS
from aisec_jobs.jobs import (
    COLLECTION_JOBS,
    JOBS,
    incident_job,
    main_job,
    metrics_job,
    monitoring_job,
)
from aisec_jobs.loader import load_program_config
from aisec_jobs.schedules import build_nightly_rescoring
from aisec_jobs.sensors import (
    build_cloud_accounts_sensor,
    build_critical_detection_sensor,
    build_new_logs_sensor,
    build_new_model_sensor,
)
from aisec_resources.config import AisecConfig
from aisec_resources.notifier import NotifierResource
from aisec_resources.settings import AisecSettings
from aisec_resources.warehouse import WarehouseResource

SPINE_ASSETS = [
    *COLLECTION_ASSETS,
    *DISCOVERY_ASSETS,
    build_inventory_assets(DISCOVERY_ASSET_KEYS),
    *GOVERNANCE_ASSETS,
    *CONTROLS_ASSETS,
    risk_scores,
    compliance_gaps,
    framework_compliance,
    compliance_findings,
    *PLAYBOOK_ASSETS,
    *INCIDENT_ASSETS,
    *RED_TEAM_ASSETS,
    program_kpis,
    maturity_scores,
    *CHANGES_ASSETS,
    *REPORTING_ASSETS,
]
CHECKS = [*DISCOVERY_CHECKS, *INVENTORY_CHECKS, *RISK_CHECKS, *INCIDENT_CHECKS]


def resources_for(config: AisecConfig) -> dict[str, dg.ConfigurableResource]:
    return {
        "settings": AisecSettings(config_path=str(config.config_path)),
        "warehouse": WarehouseResource(
            path=str(config.warehouse.path),
            lock_timeout_seconds=config.warehouse.lock_timeout_seconds,
        ),
        "notifier": NotifierResource.from_config(config.notifications),
    }


def all_assets(partitions: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    return [*SPINE_ASSETS, *build_monitoring_assets(partitions)]


def build_definitions(config: AisecConfig) -> dg.Definitions:
    partitions = monitoring_partitions(config)
    return dg.Definitions(
        assets=all_assets(partitions),
        asset_checks=CHECKS,
        jobs=JOBS,
        schedules=[build_nightly_rescoring(config)],
        sensors=[
            build_new_model_sensor(config),
            build_new_logs_sensor(config, partitions),
            build_critical_detection_sensor(config),
            build_cloud_accounts_sensor(config),
        ],
        resources=resources_for(config),
    )


@cache
def program_definitions() -> dg.Definitions:
    """The definitions of the configuration in force, built once per process."""
    return build_definitions(load_program_config())


@dg.definitions
def defs() -> dg.Definitions:
    """The code location's loader (workspace.yaml points `dagster dev` here)."""
    return program_definitions()


def main_job_def() -> dg.JobDefinition:
    """The main job, resolved (for `reconstructable`, which runs it out of process)."""
    return program_definitions().resolve_job_def(main_job.name)


def monitoring_job_def() -> dg.JobDefinition:
    """The monitoring job, resolved (for `reconstructable`)."""
    return program_definitions().resolve_job_def(monitoring_job.name)


def incident_job_def() -> dg.JobDefinition:
    """The incident job, resolved (for `reconstructable`)."""
    return program_definitions().resolve_job_def(incident_job.name)


def metrics_job_def() -> dg.JobDefinition:
    """The metrics job, resolved (for `reconstructable`)."""
    return program_definitions().resolve_job_def(metrics_job.name)


def collection_job_def(name: str) -> dg.JobDefinition:
    """The collection job of live collection `name` (aws, azure), resolved (for
    `build_reconstructable_job`, which runs it out of process)."""
    return program_definitions().resolve_job_def(COLLECTION_JOBS[name].name)

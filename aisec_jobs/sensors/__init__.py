"""Sensors: new model directories start discovery, new LLM log files start that day's
monitoring run, critical detections start the incident job, cloud accounts and subscriptions
become collection partitions (collected daily)."""

from aisec_jobs.sensors.accounts import build_cloud_accounts_sensor
from aisec_jobs.sensors.critical import build_critical_detection_sensor
from aisec_jobs.sensors.logs import build_new_logs_sensor, day_of_log_file, list_log_files
from aisec_jobs.sensors.models import build_new_model_sensor, list_model_directories

__all__ = [
    "build_cloud_accounts_sensor",
    "build_critical_detection_sensor",
    "build_new_logs_sensor",
    "build_new_model_sensor",
    "day_of_log_file",
    "list_log_files",
    "list_model_directories",
]

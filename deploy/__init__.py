"""Dagster instance configurations (`local/`, `postgres/`). Installed as the package
`aisec_deploy`; read with `aisec_resources.packaged.instance_config_text`."""

"""The shipped incident-response playbooks: one YAML file per incident category (package data)."""

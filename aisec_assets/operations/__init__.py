"""The operations pillar (SPEC §3.6): incident-response playbooks, incidents, red-team findings."""

"""The governance pillar (SPEC §3.3): policies, RACI, risk appetite, acceptances, attestations."""

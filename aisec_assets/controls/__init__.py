"""Technical controls pillar (SPEC §3.4): catalog, framework libraries, evidence, coverage."""

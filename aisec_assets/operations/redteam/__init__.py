"""Red-team findings (SPEC §3.6): reports of red-team tools read into findings tracked to
remediation.

Plain modules, usable without Dagster: `garak` and `promptfoo` parse one report file each into
a `ParsedReport` (bounded, record by record: a bad line or element is one `Rejection` with
file and line, never the end of the file); `collect` lists and parses the reports that
aisec.yaml `red_team.reports` names; `store` writes them and the findings with SQL
(sql/operations/red_team_*.sql); `assets` holds the thin Dagster assets.
"""

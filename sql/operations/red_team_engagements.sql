-- Red-team engagements of one assessed day, from the day's operations.red_team_reports,
-- red_team_results and red_team_findings (written by red_team_findings.sql).
-- Variables: assessed_date DATE. Replaces the day's rows of operations.red_team_engagements.
BEGIN TRANSACTION;

DELETE FROM operations.red_team_engagements
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

INSERT INTO operations.red_team_engagements
WITH
reports AS (
    SELECT *, coalesce(asset_id, 'ref:' || asset_ref) AS asset_key
    FROM operations.red_team_reports
    WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE) AND counted
),
ranked AS (
    SELECT
        *,
        row_number() OVER w_desc AS rn,
        count(*) OVER w AS report_count,
        min(started_at) OVER w AS first_started
    FROM reports
    WINDOW
        w AS (PARTITION BY engagement_id, tool, asset_key),
        w_desc AS (PARTITION BY engagement_id, tool, asset_key
                   ORDER BY started_at DESC, report_file DESC)
),
probes AS (
    SELECT engagement_id, tool, coalesce(asset_id, 'ref:' || asset_ref) AS asset_key,
           count(DISTINCT probe) AS probes
    FROM operations.red_team_results
    WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE)
    GROUP BY ALL
),
findings AS (
    SELECT engagement_id, tool, coalesce(asset_id, 'ref:' || asset_ref) AS asset_key,
           count(*) FILTER (WHERE status = 'open') AS open_findings,
           count(*) FILTER (WHERE status = 'remediated') AS remediated_findings
    FROM operations.red_team_findings
    WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE)
    GROUP BY ALL
)
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    r.engagement_id, r.tool, r.asset_id, r.asset_ref, r.report_file, r.run_id,
    r.first_started, r.started_at, r.tool_version, r.target_model, r.report_count,
    coalesce(p.probes, 0), r.failing_probes,
    coalesce(f.open_findings, 0), coalesce(f.remediated_findings, 0)
FROM ranked AS r
LEFT JOIN probes AS p USING (engagement_id, tool, asset_key)
LEFT JOIN findings AS f USING (engagement_id, tool, asset_key)
WHERE r.rn = 1
ORDER BY r.engagement_id, r.tool, r.asset_ref;

COMMIT;

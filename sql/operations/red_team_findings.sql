-- Red-team reports, results, findings and rejections of one assessed day, from the staged
-- reports (red_team_staging.sql). Variables: assessed_date DATE.
--
-- Only reports whose run started on or before the assessed day count. The tested asset is
-- matched by asset_id first, else by a name only one inventory asset has (else asset_id is
-- NULL and the finding is keyed by the configured reference).
--
-- A finding is a probe x detector of a tool on an asset that failed in some counted report.
-- Its reports are ordered by start time (then file); each report that tested the probe is,
-- for the finding:
--   fail     the pair has failures in it
--   clear    the pair has none, or the pair is absent and the probe has no failure at all
--   neutral  the pair is absent and another detector of the probe failed
-- The finding is remediated when a clear report follows the latest failing one (remediated_on
-- = its day), else open. first_failed_on is the first failure after the last clear report
-- before the latest failure (the current episode).
-- Replaces the day's rows of operations.red_team_reports, red_team_results,
-- red_team_findings and red_team_reports_rejected.
BEGIN TRANSACTION;

DELETE FROM operations.red_team_reports
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);
DELETE FROM operations.red_team_results
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);
DELETE FROM operations.red_team_findings
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);
DELETE FROM operations.red_team_reports_rejected
WHERE assessed_date = CAST(getvariable('assessed_date') AS DATE);

CREATE OR REPLACE TEMP TABLE red_team_assets AS
WITH
refs AS (SELECT DISTINCT asset_ref FROM red_team_report_input),
by_id AS (
    SELECT r.asset_ref, a.asset_id
    FROM refs AS r JOIN inventory.ai_assets AS a ON a.asset_id = r.asset_ref
),
by_name AS (
    SELECT r.asset_ref, list(a.asset_id ORDER BY a.asset_id) AS ids
    FROM refs AS r JOIN inventory.ai_assets AS a ON a.name = r.asset_ref
    GROUP BY r.asset_ref
)
SELECT
    r.asset_ref,
    coalesce(b.asset_id, CASE WHEN len(n.ids) = 1 THEN n.ids[1] END) AS asset_id
FROM refs AS r
LEFT JOIN by_id AS b USING (asset_ref)
LEFT JOIN by_name AS n USING (asset_ref);

CREATE OR REPLACE TEMP TABLE red_team_counted AS
SELECT
    i.*,
    s.asset_id,
    coalesce(s.asset_id, 'ref:' || i.asset_ref) AS asset_key,
    CAST(i.started_at AS DATE) <= CAST(getvariable('assessed_date') AS DATE) AS counted
FROM red_team_report_input AS i
JOIN red_team_assets AS s USING (asset_ref);

INSERT INTO operations.red_team_reports
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    c.report_file, c.tool, c.engagement_id, c.asset_id, c.asset_ref, c.run_id, c.started_at,
    c.started_from, c.tool_version, c.target_model,
    coalesce(p.probes, 0), coalesce(p.failing_probes, 0), c.records_rejected, c.counted
FROM red_team_counted AS c
LEFT JOIN (
    SELECT
        report_key,
        count(DISTINCT probe) AS probes,
        count(DISTINCT probe) FILTER (WHERE failures > 0) AS failing_probes
    FROM red_team_result_input
    GROUP BY report_key
) AS p USING (report_key)
ORDER BY c.started_at, c.report_file;

-- Counted reports in order per tool and asset.
CREATE OR REPLACE TEMP TABLE red_team_ordered AS
SELECT
    *,
    row_number() OVER (
        PARTITION BY tool, asset_key ORDER BY started_at, report_file, report_key
    ) AS ord
FROM red_team_counted
WHERE counted;

CREATE OR REPLACE TEMP TABLE red_team_rows AS
SELECT
    o.report_key, o.ord, o.report_file, o.tool, o.engagement_id, o.asset_id, o.asset_ref,
    o.asset_key, o.run_id, o.started_at,
    r.probe, r.detector, r.attempts, r.failures, r.counted_from, r.category_hint, r.excerpt
FROM red_team_result_input AS r
JOIN red_team_ordered AS o USING (report_key);

INSERT INTO operations.red_team_results
SELECT
    CAST(getvariable('assessed_date') AS DATE),
    report_file, tool, engagement_id, asset_id, asset_ref, run_id, started_at, probe, detector,
    attempts, failures,
    CASE WHEN attempts > 0 THEN (attempts - failures) / attempts END,
    counted_from, category_hint, excerpt
FROM red_team_rows
ORDER BY started_at, report_file, probe, detector;

CREATE OR REPLACE TEMP TABLE red_team_events AS
WITH
finding_keys AS (
    SELECT DISTINCT tool, asset_key, probe, detector
    FROM red_team_rows
    WHERE failures > 0
),
probe_tested AS (
    SELECT report_key, ord, tool, asset_key, probe, sum(failures) AS probe_failures
    FROM red_team_rows
    GROUP BY ALL
)
SELECT
    k.tool, k.asset_key, k.probe, k.detector, p.ord,
    CASE
        WHEN r.failures > 0 THEN 'fail'
        WHEN r.failures = 0 OR p.probe_failures = 0 THEN 'clear'
        ELSE 'neutral'
    END AS event,
    r.report_key IS NOT NULL AS holds_pair
FROM finding_keys AS k
JOIN probe_tested AS p USING (tool, asset_key, probe)
LEFT JOIN red_team_rows AS r
    ON r.report_key = p.report_key AND r.probe = k.probe AND r.detector = k.detector;

CREATE OR REPLACE TEMP TABLE red_team_episodes AS
WITH
last_fail AS (
    SELECT
        tool, asset_key, probe, detector,
        max(ord) FILTER (WHERE event = 'fail') AS last_fail_ord,
        max(ord) AS last_ord,
        max(ord) FILTER (WHERE holds_pair) AS counts_ord
    FROM red_team_events
    GROUP BY ALL
)
SELECT
    l.*,
    min(e.ord) FILTER (WHERE e.event = 'clear' AND e.ord > l.last_fail_ord) AS clear_ord,
    max(e.ord) FILTER (WHERE e.event = 'clear' AND e.ord < l.last_fail_ord) AS clear_before_ord
FROM last_fail AS l
JOIN red_team_events AS e USING (tool, asset_key, probe, detector)
GROUP BY ALL;

INSERT INTO operations.red_team_findings
WITH first_fail AS (
    SELECT ep.tool, ep.asset_key, ep.probe, ep.detector, min(e.ord) AS first_fail_ord
    FROM red_team_episodes AS ep
    JOIN red_team_events AS e USING (tool, asset_key, probe, detector)
    WHERE e.event = 'fail' AND e.ord > coalesce(ep.clear_before_ord, 0)
    GROUP BY ALL
)
SELECT
    'RT-' || left(sha256(concat_ws('|', ep.tool, ep.asset_key, ep.probe, ep.detector)), 16),
    CAST(getvariable('assessed_date') AS DATE),
    ep.tool,
    latest.engagement_id,
    latest.asset_id,
    latest.asset_ref,
    ep.probe,
    ep.detector,
    failing.category_hint,
    counts.attempts,
    counts.failures,
    CASE WHEN counts.attempts > 0 THEN (counts.attempts - counts.failures) / counts.attempts END,
    CASE WHEN ep.clear_ord IS NULL THEN 'open' ELSE 'remediated' END,
    CAST(first.started_at AS DATE),
    CAST(failing.started_at AS DATE),
    CAST(latest.started_at AS DATE),
    CAST(cleared.started_at AS DATE),
    latest.report_file,
    latest.run_id,
    failing.excerpt
FROM red_team_episodes AS ep
JOIN first_fail AS ff USING (tool, asset_key, probe, detector)
JOIN red_team_ordered AS latest
    ON latest.tool = ep.tool AND latest.asset_key = ep.asset_key AND latest.ord = ep.last_ord
JOIN red_team_ordered AS first
    ON first.tool = ep.tool AND first.asset_key = ep.asset_key AND first.ord = ff.first_fail_ord
LEFT JOIN red_team_ordered AS cleared
    ON cleared.tool = ep.tool AND cleared.asset_key = ep.asset_key AND cleared.ord = ep.clear_ord
JOIN red_team_rows AS failing
    ON failing.tool = ep.tool AND failing.asset_key = ep.asset_key
    AND failing.ord = ep.last_fail_ord AND failing.probe = ep.probe
    AND failing.detector = ep.detector
JOIN red_team_rows AS counts
    ON counts.tool = ep.tool AND counts.asset_key = ep.asset_key
    AND counts.ord = ep.counts_ord AND counts.probe = ep.probe
    AND counts.detector = ep.detector
ORDER BY ep.tool, ep.asset_key, ep.probe, ep.detector;

INSERT INTO operations.red_team_reports_rejected
SELECT file, line, reason, excerpt, CAST(getvariable('assessed_date') AS DATE), tool,
       engagement_id
FROM red_team_rejection_input
ORDER BY file, line NULLS FIRST;

DROP TABLE red_team_events;
DROP TABLE red_team_episodes;
DROP TABLE red_team_rows;
DROP TABLE red_team_ordered;
DROP TABLE red_team_counted;
DROP TABLE red_team_assets;

COMMIT;

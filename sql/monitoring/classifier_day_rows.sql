-- The rowid range of one day's events ($day), so the classifier can read the day in windows
-- (DuckDB's Python results are materialized whole; a window keeps memory bounded).
SELECT min(rowid) AS first_row, max(rowid) AS last_row, count(*) AS events
FROM monitoring.llm_events
WHERE event_date = $day

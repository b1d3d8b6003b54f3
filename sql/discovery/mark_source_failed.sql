-- A source failed as a whole: keep its last good records, flag them stale, record the error.
UPDATE discovery.discovered_assets SET stale = true WHERE source = getvariable('source');

INSERT OR REPLACE INTO discovery.source_status
SELECT
    getvariable('source'),
    'failed',
    true,
    getvariable('now'),
    (SELECT last_success_at FROM discovery.source_status WHERE source = getvariable('source')),
    getvariable('error'),
    (SELECT count(*) FROM discovery.discovered_assets WHERE source = getvariable('source')),
    0,
    getvariable('run_id');

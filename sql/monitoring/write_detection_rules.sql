-- Rewrite monitoring.detection_rules with the rule pack in use (variables: pack_rules as JSON,
-- loaded_at). Current state: the table holds exactly the pack last written.
BEGIN TRANSACTION;

DELETE FROM monitoring.detection_rules;

INSERT INTO monitoring.detection_rules BY NAME
SELECT *, getvariable('loaded_at') AS loaded_at
FROM (
    SELECT unnest(from_json(getvariable('pack_rules'),
        '[{"rule_id":"VARCHAR","title":"VARCHAR","description":"VARCHAR","family":"VARCHAR",
           "severity":"VARCHAR","owasp":["VARCHAR"],"atlas":["VARCHAR"],"targets":["VARCHAR"],
           "logic_kind":"VARCHAR","logic":"JSON","tier":"VARCHAR","enabled":"BOOLEAN",
           "pack_name":"VARCHAR","pack_version":"VARCHAR","pack_path":"VARCHAR",
           "pack_sha256":"VARCHAR"}]'),
        recursive := true)
);

COMMIT;

"""One module per logic kind: what it compiles to. The per-event scans (pattern: one generated
statement per target; classifier: one scoring pass per target) group the rules of a target;
every other kind compiles one rule into steps running its own SQL file of sql/monitoring/
(`SQL_FILE`) with the rule's values as DuckDB variables (`compile_rule`)."""

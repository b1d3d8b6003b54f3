"""Materialization metadata read back from the warehouse: row count, column schema, preview."""

from __future__ import annotations

import dagster as dg
import duckdb

from aisec_resources.warehouse import schema_catalog


def column_schema(table: str) -> dg.TableSchema:
    """The column schema of `schema.table` as declared in sql/schema/, for the
    asset's definition metadata (shown in the UI before the first materialization)."""
    columns = schema_catalog().get(table)
    if not columns:
        raise ValueError(f"table {table} is not declared in sql/schema/")
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, dtype, description=comment or None)
            for name, dtype, comment in columns
        ]
    )


def table_metadata(
    conn: duckdb.DuckDBPyConnection,
    table: str,
    preview_sql: str | None = None,
    preview_params: list | None = None,
) -> dict[str, dg.MetadataValue | int]:
    """`dagster/row_count`, `dagster/column_schema` (with the warehouse's column comments) and a
    markdown preview of `schema.table`. `preview_sql` may narrow the preview (parameterized)."""
    schema_name, table_name = table.split(".", 1)
    columns = conn.execute(
        """
        SELECT column_name, data_type, comment
        FROM duckdb_columns()
        WHERE schema_name = ? AND table_name = ?
        ORDER BY column_index
        """,
        [schema_name, table_name],
    ).fetchall()
    if not columns:
        raise ValueError(f"table {table} does not exist in the warehouse")
    quoted = f'"{schema_name}"."{table_name}"'
    row = conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()
    preview = conn.execute(
        preview_sql or f"SELECT * FROM {quoted} LIMIT 10", preview_params or []
    ).df()
    return {
        "dagster/row_count": int(row[0]) if row else 0,
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name, dtype, description=comment or None)
                for name, dtype, comment in columns
            ]
        ),
        "warehouse_table": dg.MetadataValue.text(table),
        "preview": dg.MetadataValue.md(
            preview.to_markdown(index=False) if len(preview) else "_empty_"
        ),
    }

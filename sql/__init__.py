"""The warehouse's SQL, read by name (`aisec_resources.packaged.sql_text`). Installed as the
package `aisec_sql`; this directory holds no Python."""

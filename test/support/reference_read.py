"""Read a Delta table with a reference reader and hand its rows back as Parquet.

    python reference_read.py TABLE_PATH READER OUTPUT_PARQUET [VERSION]
        [--where SQL] [--filters JSON] [--add-actions PARQUET] [--storage-options JSON]

READER is one of
  deltalake      delta-rs: DeltaTable(path, version=...).to_pyarrow_table(filters=...)
  deltalake-sql  delta-rs through DataFusion: QueryBuilder().register('t', dt).execute(
                 'SELECT * FROM t [WHERE ...]'); unlike to_pyarrow_table it implements
                 column mapping and prunes files with the log's statistics
  polars         pl.read_delta(path, version=...), or with --where
                 pl.scan_delta(...).filter(pl.sql_expr(where)).collect()

--filters is a JSON list of [column, op, value] triples in pyarrow's DNF form, passed
to to_pyarrow_table (deltalake only), which prunes files with the log's statistics.
--storage-options is a JSON object handed to delta-rs and Polars as storage_options (for a
table on S3 or MinIO: endpoint, keys, region, AWS_ALLOW_HTTP). --where is a SQL predicate (deltalake-sql and polars). --add-actions writes
dt.get_add_actions(flatten=True): per data file its path, num_records, and
null_count.<col>, min.<col>, max.<col>, partition.<col> as delta-rs parsed them.

The rows go to OUTPUT_PARQUET exactly as the reader returned them. One line of JSON on
stdout says what was read:

  {"ok": true, "reader": ..., "version": <the version delta-rs loaded>,
   "rows": ..., "files": <live data files>, "partitionColumns": [...],
   "protocol": {...}, "deltaSchema": <the schema as delta-rs parsed it from the log>,
   "columns": [{"name", "type": <the reader's own type>, "nullable"}]}

When the reader refuses the table (or fails), it prints {"ok": false, "stage": ...,
"error": "<ExceptionType>: <message>", ...what was learned before} and still exits 0,
so the caller can assert on the refusal. Bad arguments exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

READERS = ("deltalake", "deltalake-sql", "polars")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Read a Delta table with a reference reader.")
    parser.add_argument("table")
    parser.add_argument("reader", choices=READERS)
    parser.add_argument("output")
    parser.add_argument("version", nargs="?", default=None)
    parser.add_argument("--where", default=None)
    parser.add_argument("--filters", default=None)
    parser.add_argument("--add-actions", dest="add_actions", default=None)
    parser.add_argument("--storage-options", dest="storage_options", default=None)
    args = parser.parse_args(argv[1:])
    version = None if args.version in (None, "") else int(args.version)
    options = None if args.storage_options is None else json.loads(args.storage_options)
    if args.where is not None and args.reader == "deltalake":
        parser.error("--where needs deltalake-sql or polars; deltalake takes --filters")
    if args.filters is not None and args.reader != "deltalake":
        parser.error("--filters is for the deltalake reader")

    report: dict = {"ok": True, "reader": args.reader, "requestedVersion": version}
    stage = "import"
    try:
        import deltalake
        import pyarrow as pa
        import pyarrow.parquet as pq
        from deltalake import DeltaTable

        report["versions"] = {"deltalake": deltalake.__version__, "pyarrow": pa.__version__}

        # The log, as delta-rs reconstructs it.
        stage = "load-log"
        dt = DeltaTable(args.table, version=version, storage_options=options)
        report["version"] = dt.version()
        protocol = dt.protocol()
        report["protocol"] = {
            "minReaderVersion": protocol.min_reader_version,
            "minWriterVersion": protocol.min_writer_version,
            "readerFeatures": protocol.reader_features,
            "writerFeatures": protocol.writer_features,
        }
        report["deltaSchema"] = json.loads(dt.schema().to_json())
        report["partitionColumns"] = list(dt.metadata().partition_columns)
        report["files"] = len(dt.file_uris())

        if args.add_actions is not None:
            stage = "add-actions"
            pq.write_table(pa.table(dt.get_add_actions(flatten=True)), args.add_actions)

        stage = "read-rows"
        if args.reader == "deltalake":
            filters = None if args.filters is None else [tuple(f) for f in json.loads(args.filters)]
            table = dt.to_pyarrow_table(filters=filters)
            describe_arrow(report, table)
            stage = "write-rows"
            pq.write_table(table, args.output)
        elif args.reader == "deltalake-sql":
            from deltalake import QueryBuilder

            sql = "SELECT * FROM t" if args.where is None else f"SELECT * FROM t WHERE {args.where}"
            table = pa.table(QueryBuilder().register("t", dt).execute(sql).read_all())
            describe_arrow(report, table)
            stage = "write-rows"
            # DataFusion answers with view types, which the Parquet writer cannot slice.
            pq.write_table(table.cast(pa.schema([f.with_type(unview(f.type)) for f in table.schema])), args.output)
        else:
            import polars as pl

            report["versions"]["polars"] = pl.__version__
            if args.where is None:
                frame = pl.read_delta(args.table, version=version, storage_options=options)
            else:
                scan = pl.scan_delta(args.table, version=version, storage_options=options)
                frame = scan.filter(pl.sql_expr(args.where)).collect()
            report["rows"] = frame.height
            report["columns"] = [{"name": name, "type": str(dtype), "nullable": None} for name, dtype in frame.schema.items()]
            stage = "write-rows"
            frame.write_parquet(args.output)
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        report["ok"] = False
        report["stage"] = stage
        report["error"] = f"{type(error).__name__}: {error}"
        report["traceback"] = traceback.format_exc(limit=6)
    print(json.dumps(report))
    return 0


def describe_arrow(report: dict, table) -> None:
    report["rows"] = table.num_rows
    report["columns"] = [{"name": f.name, "type": str(f.type), "nullable": f.nullable} for f in table.schema]


def unview(t):
    """The same Arrow type with string/binary views (nested too) as plain strings and binaries."""
    import pyarrow as pa

    if pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_struct(t):
        return pa.struct([t.field(i).with_type(unview(t.field(i).type)) for i in range(t.num_fields)])
    if pa.types.is_map(t):
        return pa.map_(t.key_field.with_type(unview(t.key_type)), t.item_field.with_type(unview(t.item_type)))
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(t.value_field.with_type(unview(t.value_type)))
    return t


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: delta-rs can abort ("terminate called without an active
    # exception") while its native threads are torn down after the work is done and
    # reported, which would turn a correct read into a flaky failure.
    os._exit(code)

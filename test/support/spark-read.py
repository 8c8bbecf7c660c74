"""Reads a logsift archive with PySpark in local mode, as a Spark user would: the whole
directory, the engine and date partitions discovered from the hive layout. Prints one JSON
object: counts per date, one day's totals with partition pruning, and the physical plan's
partition filters (to show Spark skipped the other days' files)."""
import json
import sys

from pyspark.sql import SparkSession, functions as F

archive_dir, day = sys.argv[1], sys.argv[2]
spark = (
    SparkSession.builder.master("local[1]")
    .appName("logsift-archive-test")
    .config("spark.ui.enabled", "false")
    .config("spark.sql.session.timeZone", "UTC")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
# Days differ in columns when a class gains a field: merge their schemas, as DuckDB's union_by_name does.
logs = spark.read.option("mergeSchema", "true").parquet(archive_dir)
per_date = {str(r["date"]): r["n"] for r in logs.groupBy("date").agg(F.count("*").alias("n")).collect()}
one = logs.where((F.col("engine") == "fw") & (F.col("date") == day))
plan = one._jdf.queryExecution().executedPlan().toString()
totals = one.agg(
    F.count("*").alias("rows"),
    F.sum("destination_port").alias("port_sum"),
    F.countDistinct("sender_ip").alias("senders"),
    F.count("pppoe").alias("pppoe_rows"),
    F.min(F.unix_micros("received_at")).alias("first_us"),
    F.max(F.unix_micros("received_at")).alias("last_us"),
).collect()[0].asDict()
first_lines = [r["original_log"] for r in one.orderBy("received_at", "original_log").limit(3).collect()]
print(json.dumps({
    "columns": logs.columns,
    "per_date": per_date,
    "totals": totals,
    "first_lines": first_lines,
    "partition_filters": [line.strip() for line in plan.splitlines() if "PartitionFilters" in line],
}))
spark.stop()

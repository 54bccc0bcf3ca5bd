/**
 * The benchmark suite's 20 checks as one query a DuckDB user would write by hand: the limit
 * Aquifer's validate is measured against. Counts and statistics only (no failing rows). The
 * source is named twice rather than through a CTE, which DuckDB would materialize in memory.
 */
export const RAW_CHECKS_SQL = (source: string): string => `
SELECT
  count(*) AS rows,
  count(*) FILTER (WHERE id IS NULL) AS id_nulls,
  count(*) FILTER (WHERE id IN (SELECT id FROM ${source} WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1)) AS id_duplicates,
  count(*) FILTER (WHERE user_id IS NULL) AS user_id_nulls,
  count(*) FILTER (WHERE price IS NOT NULL AND NOT isnan(price) AND NOT (price BETWEEN 0 AND 990)) AS price_out_of_range,
  count(*) FILTER (WHERE category IS NOT NULL AND category NOT IN ('a', 'b', 'c')) AS category_not_in_set,
  count(*) FILTER (WHERE email IS NOT NULL AND NOT regexp_matches(email, '^[a-z0-9]+@example\\.com$')) AS email_not_matching,
  count(*) FILTER (WHERE name IS NOT NULL AND NOT (length(name) BETWEEN 1 AND 6)) AS name_length_out_of_range,
  avg(price) AS price_mean,
  median(price) AS price_median,
  stddev_samp(price) AS price_stdev,
  min(qty) AS qty_min,
  max(qty) AS qty_max,
  sum(qty) AS qty_sum,
  quantile_disc(price, [0.25, 0.5, 0.75]) AS price_quantiles,
  count(DISTINCT category) AS category_distinct,
  count(DISTINCT user_id) / count(user_id) AS user_id_unique_share,
  list(DISTINCT category ORDER BY category) FILTER (WHERE category IS NOT NULL) AS category_values,
  mode(category) AS category_mode,
  count(*) FILTER (WHERE NOT (price IS NULL AND cost IS NULL) AND (price > cost) IS NOT TRUE) AS price_not_above_cost
FROM ${source}`;

-- Helpers of the risk engine (idempotent; run before every scoring).

-- round(x, 2) exactly as Python's round() does it: half-to-even on the exact binary value of x.
-- DuckDB's own round(x, 2) rounds half away from zero on x * 100 computed in floating point,
-- which differs on ties (44.625 -> 44.63, Python 44.62) and near-ties (2.675 -> 2.68, Python
-- 2.67, because the double 2.675 lies below 2.675).
--
-- Away from a tie (the fractional part of x * 100 more than 1e-6 from one half) the floating
-- point rounding error of x * 100 (< 1e-11 for |x| < 1e6) cannot change the result, and
-- floor(x * 100 + 0.5) / 100 is exact. Near a tie the exact decision is made in integers:
-- scaling by 2^60 is exact and makes every |x| >= 2^-8 an integer, so 100 * |x| * 2^60 is
-- computed exactly as a HUGEINT (smaller values round to 0 either way). The result
-- k / 100.0 is the double nearest to k/100, which is what Python returns as well.
-- Valid for |x| < 1e6; the risk scores are within [0, 100].
CREATE OR REPLACE MACRO risk.round_cents_half_even(hundred_scaled) AS
    CAST(
        hundred_scaled // 1152921504606846976
        + CASE
            WHEN (hundred_scaled % 1152921504606846976) * 2 > 1152921504606846976 THEN 1
            WHEN (hundred_scaled % 1152921504606846976) * 2 = 1152921504606846976
                AND (hundred_scaled // 1152921504606846976) % 2 = 1 THEN 1
            ELSE 0
          END
        AS DOUBLE) / CAST(100 AS DOUBLE);

CREATE OR REPLACE MACRO risk.round2_nonnegative(x) AS
    CASE
        WHEN abs(x * CAST(100 AS DOUBLE) - floor(x * CAST(100 AS DOUBLE)) - CAST(0.5 AS DOUBLE))
            > CAST(1e-6 AS DOUBLE)
            THEN floor(x * CAST(100 AS DOUBLE) + CAST(0.5 AS DOUBLE)) / CAST(100 AS DOUBLE)
        ELSE risk.round_cents_half_even(
            CAST(x * CAST(1152921504606846976 AS DOUBLE) AS HUGEINT) * 100)
    END;

CREATE OR REPLACE MACRO risk.round2(x) AS
    CASE WHEN x < 0 THEN -risk.round2_nonnegative(-x) ELSE risk.round2_nonnegative(x) END;
COMMENT ON MACRO risk.round2 IS 'round(x, 2) with Python semantics (half-to-even on the exact binary value), for |x| < 1e6; the risk scores are reported with it.';

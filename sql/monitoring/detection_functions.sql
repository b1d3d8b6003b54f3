-- Helpers of the detection rules: connection-local (TEMP) macros, created before every run.
-- Only ever evaluated on candidate matches or hits, never on every event.

-- Evidence excerpt: the matched span with `ctx` characters either side (span capped at 240),
-- an ellipsis where text was cut. Without a span (or when it cannot be found) the text's start.
CREATE OR REPLACE TEMP MACRO aisec_excerpt_at(t, pos, span_len, ctx) AS
    CASE WHEN pos > ctx + 1 THEN '…' ELSE '' END
    || substr(t, greatest(1, pos - ctx), least(pos - 1, ctx) + least(span_len, 240) + ctx)
    || CASE WHEN pos + least(span_len, 240) + ctx - 1 < length(t) THEN '…' ELSE '' END;

CREATE OR REPLACE TEMP MACRO aisec_excerpt(t, span, ctx) AS
    CASE
        WHEN t IS NULL THEN NULL
        WHEN span IS NULL OR span = '' OR strpos(t, span) = 0
            THEN left(t, 2 * ctx) || CASE WHEN length(t) > 2 * ctx THEN '…' ELSE '' END
        ELSE aisec_excerpt_at(t, strpos(t, span), length(span), ctx)
    END;

-- Luhn checksum of a payment-card candidate: 13-19 digits once separators are dropped, not one
-- repeated digit, and the Luhn sum (every second digit from the right doubled) divisible by 10.
CREATE OR REPLACE TEMP MACRO aisec_luhn_digits_valid(d) AS
    length(d) BETWEEN 13 AND 19
    AND length(replace(d, left(d, 1), '')) > 0
    AND list_sum(list_transform(range(length(d)), lambda i:
        CASE
            WHEN i % 2 = 0 THEN CAST(substr(d, length(d) - i, 1) AS INTEGER)
            WHEN CAST(substr(d, length(d) - i, 1) AS INTEGER) >= 5
                THEN CAST(substr(d, length(d) - i, 1) AS INTEGER) * 2 - 9
            ELSE CAST(substr(d, length(d) - i, 1) AS INTEGER) * 2
        END)) % 10 = 0;

CREATE OR REPLACE TEMP MACRO aisec_luhn_valid(candidate) AS
    aisec_luhn_digits_valid(regexp_replace(candidate, '[^0-9]', '', 'g'));

-- IBAN check (ISO 13616): 15-34 characters once spaces are dropped; the first four moved to the
-- end, letters replaced by 10..35, the number mod 97 must be 1 (computed digit by digit).
CREATE OR REPLACE TEMP MACRO aisec_iban_compact(candidate) AS
    upper(regexp_replace(candidate, '[^A-Za-z0-9]', '', 'g'));

CREATE OR REPLACE TEMP MACRO aisec_iban_numeric(s) AS
    array_to_string(list_transform(string_split(substr(s, 5) || left(s, 4), ''), lambda c:
        CASE WHEN c BETWEEN '0' AND '9' THEN c ELSE CAST(ascii(c) - 55 AS VARCHAR) END), '');

CREATE OR REPLACE TEMP MACRO aisec_iban_checksum(n) AS
    list_reduce(list_transform(string_split(n, ''), lambda c: CAST(c AS INTEGER)),
        lambda acc, x: (acc * 10 + x) % 97);

CREATE OR REPLACE TEMP MACRO aisec_iban_valid(candidate) AS
    length(aisec_iban_compact(candidate)) BETWEEN 15 AND 34
    AND regexp_full_match(aisec_iban_compact(candidate), '[A-Z]{2}[0-9]{2}[A-Z0-9]+')
    AND aisec_iban_checksum(aisec_iban_numeric(aisec_iban_compact(candidate))) = 1;

-- Lower-case words of a text (letters and digits), for shingling.
CREATE OR REPLACE TEMP MACRO aisec_words(t) AS
    list_filter(regexp_split_to_array(lower(t), '[^\p{L}\p{N}]+'), lambda w: w <> '');

-- Distinct n-word shingles of a word list. `words` must be a column, not an expression: the
-- lambda would evaluate an expression once per shingle.
CREATE OR REPLACE TEMP MACRO aisec_shingles(words, n) AS
    list_distinct(list_transform(range(1, len(words) - n + 2), lambda i:
        array_to_string(words[i:i + n - 1], ' ')));

-- The hits of one run, before they are joined to events, rules and assets.
CREATE OR REPLACE TEMP TABLE detection_hits (
    rule_id VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    target_field VARCHAR,
    subject VARCHAR,
    evidence VARCHAR,
    score DOUBLE  -- classifier rules only
);

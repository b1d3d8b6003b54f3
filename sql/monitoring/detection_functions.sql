-- Helpers of the detection rules: connection-local (TEMP) macros, created before every run.
-- Only ever evaluated on candidate matches or hits, never on every event - but `aisec_as_read`,
-- which the classifier tier reads for every prompt it scores.

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

-- Mention is not use. A prompt that quotes an attack in order to talk about it ("what does
-- 'ignore previous instructions' mean?", "our WAF logged \"You are DAN\" - is that a
-- jailbreak?") is read without its quotations: the prompt-attack rules and the classifier see
-- `aisec_as_read(t)`. A quotation is text between double or curly quotes, between single quotes
-- opened after a space, colon or bracket (not an apostrophe), or a ``` code block: 4
-- or more characters on one line (a code block: any length); or an unquoted example, from
-- "like / such as / for example / for instance / e.g. / containing / saying" to the end of
-- its sentence, or from its sentence's start to "is a known attack / jailbreak ..." (what a
-- discussion offers as an example is mentioned, not used). The quotations go only when
-- the words outside them discuss attacks (`aisec_discusses_attacks`: attack vocabulary, a
-- security team's tools, "what does ... mean", "is this a jailbreak", "prompts / phrases like",
-- system-prompt leakage); a
-- prompt that merely quotes ("Translate into French: '...'") keeps them, so an injection in a
-- task's input slot is still read. An attacker can add such a frame; what the frame's own words
-- say outside the quotes is still scanned.
CREATE OR REPLACE TEMP MACRO aisec_unquoted(t) AS
    regexp_replace(regexp_replace(regexp_replace(t,
        '"[^"\n]{4,}"|“[^”\n]{4,}”|‘[^’\n]{4,}’|```[\s\S]*?```|(^|[\s(:\[])''[^''\n]{4,}''',
        '\1"…"', 'g'),
        '(?i)(\b(?:like|such\s+as|for\s+example|for\s+instance|e\.g\.|containing|saying))\s+[^\n.?!"]{4,}',
        '\1 "…"', 'g'),
        -- an example named as one: "<attack> is a known attack phrase", from its sentence's
        -- start (or a colon) to the naming words
        '(?i)(^|[:\n]\s*|[.!?]\s+)[^\n.?!":]{4,}?\s+((?:is|are)\s+(?:an?\s+|the\s+)?(?:known|common|classic|typical|famous|well-known|notorious|standard)\s+(?:attacks?|jailbreaks?|injections?|exploits?|payloads?|prompt[- ]injections?))',
        '\1"…" \2', 'g');

CREATE OR REPLACE TEMP MACRO aisec_discusses_attacks(u) AS
    regexp_matches(u, '(?i)\b(?:jailbr[eo]\w*|prompt[- ]injections?|injection\s+(?:attacks?|strings?|attempts?|payloads?|phrases?)|(?:known|common|classic|typical|famous|well-known|notorious)\s+(?:attacks?|jailbreaks?|exploits?|payloads?|phrases?|strings?|prompts?|tricks?)|attackers?|adversar(?:y|ies|ial)|malicious|red[- ]team\w*|guardrails?|WAF|SOC|SIEM|OWASP|MITRE|ATLAS|awareness|security\s+(?:training|course|team|newsletter|review|awareness|analysts?|researchers?)|what\s+(?:does|do|did)\b[^\n]{0,60}\bmean|(?:detect|flag|block|filter|catch|recogni[sz]e|spot)\w*\s+(?:[\w-]+\s+){0,3}(?:prompts?|inputs?|messages?|strings?|attempts?|phrases?|texts?|requests?)\s+(?:like|such\s+as|containing|that\s+(?:say|contain))|is\s+(?:this|that|it)\s+(?:a|an)\s+(?:[\w-]+\s+)?(?:jailbreak|attack|injection|exploit)|(?:prompts?|phrases?|payloads?|strings?)\s+(?:like|such\s+as)|system[- ]prompt\s+(?:leak\w*|extraction|stealing|theft)|leak\w*\s+(?:the\s+|its\s+|their\s+)?system\s+prompts?|(?:trick|fool|manipulat|hijack|exploit)\w*\s+(?:an?\s+|the\s+)?(?:LLMs?|models?|AIs?|chatbots?|assistants?|language\s+models?))\b|\bbenign\s+or\s+malicious\b|\bmalicious\s+or\s+benign\b');

CREATE OR REPLACE TEMP MACRO aisec_as_read(t) AS
    CASE
        WHEN t IS NULL THEN NULL
        -- the frame is looked for in the whole text first (one DFA pass, false for nearly every
        -- prompt); "what does <quotation> mean" spans the quotation, so its opening counts too
        WHEN (aisec_discusses_attacks(t) OR regexp_matches(t, '(?i)\bwhat\s+(?:does|do|did)\b'))
            AND aisec_unquoted(t) <> t
            AND aisec_discusses_attacks(aisec_unquoted(t))
            THEN aisec_unquoted(t)
        ELSE t
    END;

-- The hits of one run, before they are joined to events, rules and assets.
CREATE OR REPLACE TEMP TABLE detection_hits (
    rule_id VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    target_field VARCHAR,
    subject VARCHAR,
    evidence VARCHAR,
    score DOUBLE  -- classifier rules only
);

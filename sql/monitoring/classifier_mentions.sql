-- Mention is not use, for a classifier rule: which of the texts it fired on match its `unless`
-- regex ($unless: the rule's alternatives, case-blind). The 0-based positions in $texts.
SELECT i - 1 AS position
FROM (SELECT unnest($texts) AS t, generate_subscripts($texts, 1) AS i)
WHERE regexp_matches(t, $unless)
ORDER BY position

"""The regex gate of a pattern scan: per rule a regex every text the rule can fire on matches
(a necessary factor of its regexes). The gates of a target's rules run as one RE2::Set pass
(monitoring/pattern_gate.py) that drops the texts no rule can match and names the rules that
can match the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from aisec_assets.monitoring.rules.re2 import full_match_any
from aisec_assets.monitoring.rules.schema import PatternLogic

_COUNTED_REPEAT = re.compile(r"(?<!\\)\{(\d+),(\d*)\}(\??)")


def _loosen(pattern: str) -> str:
    """`pattern` with bounded repeats relaxed: `x{0,300}` -> `x*`, `x{1,3}` -> `x+`,
    `x{9,15}` -> `x{9,}`.

    A superset of the pattern (every match still matches), so it may stand in for the pattern
    in the gate. Counted repeats are what blow up RE2's DFA when dozens of rules are
    alternated into one gate (it then falls back to a slow NFA); stars cost nothing.
    """

    def repl(m: re.Match[str]) -> str:
        low, high, lazy = int(m.group(1)), m.group(2), m.group(3)
        if high == "" or int(high) <= 1:
            return m.group(0)
        if low >= 2:  # the minimum is the selective part: keep it, drop the upper bound
            return f"{{{low},}}{lazy}"
        return ("*" if low == 0 else "+") + lazy

    return _COUNTED_REPEAT.sub(repl, pattern)


def _rule_prefilter(logic: PatternLogic) -> str | None:
    """The rule's own cheap pre-check (its literals, else its prefilter regex), if any, its
    non-ASCII characters widened (`_widened`) like those of a computed gate."""
    if logic.prefilter:
        # literals are compared case-insensitively whatever the rule's case (still implied)
        return "(?i:" + "|".join(_widened(re.escape(lit)) for lit in logic.prefilter) + ")"
    if logic.prefilter_regex:
        flags = "i" if logic.case_insensitive else "-i"
        return f"(?{flags}:{_widened(logic.prefilter_regex)})"
    return None


def _loosened_gate(logic: PatternLogic) -> str:
    """The rule's own regexes with counted repeats loosened, repeated (up to three times) for
    rules that need several matches: selective, but large. The last resort of `_rule_gate`."""
    flags = "i" if logic.case_insensitive else "-i"
    one = "|".join(f"(?:{_loosen(x)})" for x in logic.regex)
    # Each copy multiplies the DFA's states: at most three (selective enough), and only one
    # of a large regex (the leetspeak keyword list, the many-shot turn markers).
    copies = max(1, min(logic.min_matches, 3, 1500 // max(len(one), 1)))
    return f"(?{flags}:" + r"[\s\S]*".join([f"(?:{one})"] * copies) + ")"


# --------------------------------------------------------------------------- gates
# A rule's gate is a regex every text the rule can fire on matches. The gates of all the rules
# of a target run as one RE2::Set pass that has to stay in RE2's DFA: a DFA state is the set
# of partial matches alive at a point of the text, and what multiplies them is a gap that runs
# over words (`[^\n]{0,200}`, `(?:\w+\s+){0,3}`, `[\s\S]*`: a thread that, once started, lives
# on through the next words, in combination with every other one) and a long count of letters
# (`[A-Za-z0-9+/]{32,}`: every word of every text is counted). The loosened regexes of the 16
# prompt_text rules, alternated as DuckDB's `regexp_matches` patterns, needed three
# 8,000-character chunks, one of which outgrew the DFA cache (RE2 as DuckDB builds it gets 8 MB)
# and ran at ~50 MB/s; whole, they ran at 0.7 MB/s. The factors below, in one Set with a 64 MB
# budget (pattern_gate.GATE_MAX_MEM), run at ~300 MB/s.
#
# So a gate is a *necessary factor* of the rule's regexes, with those parts cut: for `A gap B`
# every match contains a match of `A` (and of `B`); the heavier of the two stands for it. That
# needs the regex as a tree; the parser below reads the RE2 syntax the pack uses, and anything
# else (ValueError) makes the rule fall back to its loosened regexes.
@dataclass(frozen=True)
class _RxAtom:
    src: str
    kind: Literal["char", "assert", "flags"] = "char"


@dataclass(frozen=True)
class _RxGroup:
    opener: str  # "(?:" or "(?flags:"
    body: _Rx


@dataclass(frozen=True)
class _RxAlt:
    branches: tuple[_Rx, ...]


@dataclass(frozen=True)
class _RxConcat:
    items: tuple[_Rx, ...]


@dataclass(frozen=True)
class _RxRepeat:
    item: _RxAtom | _RxGroup
    low: int
    high: int | None  # None: unbounded
    quantifier: str  # as written, laziness included


_Rx = _RxAtom | _RxGroup | _RxAlt | _RxConcat | _RxRepeat

_RX_QUANTIFIER = re.compile(r"[*+?]|\{(\d+)(?:(,)(\d*))?\}")
_RX_FLAGS = re.compile(r"\(\?([imsU]*)(?:-([imsU]*))?([:)])")
_RX_ASSERTIONS = {"^", "$", r"\b", r"\B", r"\A", r"\z"}


class _RxParser:
    def __init__(self, pattern: str):
        self.s = pattern
        self.i = 0

    def parse(self) -> _Rx:
        node = self._alt()
        if self.i != len(self.s):
            raise ValueError(f"unexpected {self.s[self.i]!r} at {self.i}")
        return node

    def _alt(self) -> _Rx:
        branches = [self._concat()]
        while self.s.startswith("|", self.i):
            self.i += 1
            branches.append(self._concat())
        return branches[0] if len(branches) == 1 else _RxAlt(tuple(branches))

    def _concat(self) -> _Rx:
        items: list[_Rx] = []
        while self.i < len(self.s) and self.s[self.i] not in "|)":
            atom = self._atom()
            m = _RX_QUANTIFIER.match(self.s, self.i)
            if m and isinstance(atom, _RxAtom) and atom.kind != "char":
                raise ValueError(f"quantified assertion at {self.i}")
            if m:
                self.i = m.end()
                if self.s.startswith("?", self.i):
                    self.i += 1
                q = m.group(0)
                low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}.get(q, (0, 0))
                if q.startswith("{"):
                    low = int(m.group(1))
                    high = low if not m.group(2) else int(m.group(3)) if m.group(3) else None
                atom = _RxRepeat(atom, low, high, self.s[m.start() : self.i])
            items.append(atom)
        return items[0] if len(items) == 1 else _RxConcat(tuple(items))

    def _atom(self) -> _RxAtom | _RxGroup:
        s, i = self.s, self.i
        if s[i] == "(":
            if s.startswith("(?", i):
                m = _RX_FLAGS.match(s, i)
                if not m:
                    raise ValueError(f"unsupported group at {i}")
                self.i = m.end()
                if m.group(3) == ")":
                    return _RxAtom(m.group(0), "flags")
                opener = m.group(0)
            else:  # a capturing group gates like a non-capturing one
                opener = "(?:"
                self.i = i + 1
            body = self._alt()
            if not s.startswith(")", self.i):
                raise ValueError(f"unclosed group at {i}")
            self.i += 1
            return _RxGroup(opener, body)
        if s[i] == "[":
            j = i + 1 + (s[i + 1 : i + 2] == "^")
            j += s[j : j + 1] == "]"  # a leading ] is a literal
            while s[j] != "]":
                if s[j] == "\\":
                    j = self._escape_end(j)
                elif s.startswith("[:", j):
                    j = s.index(":]", j) + 2
                else:
                    j += 1
            self.i = j + 1
            return _RxAtom(s[i : j + 1])
        if s[i] in "*+?{":
            raise ValueError(f"nothing to repeat at {i}")
        self.i = self._escape_end(i) if s[i] == "\\" else i + 1
        src = s[i : self.i]
        return _RxAtom(src, "assert" if src in _RX_ASSERTIONS else "char")

    def _escape_end(self, i: int) -> int:
        s = self.s
        if i + 1 >= len(s):
            raise ValueError("trailing backslash")
        c = s[i + 1]
        if c in "xpP" and s.startswith("{", i + 2):
            return s.index("}", i) + 1
        if c == "x":
            return i + 4
        if c in "pP":
            return i + 3
        if c in "QEC" or (c.isdigit() and c != "0"):
            raise ValueError(f"unsupported escape \\{c}")
        return i + 2


def _rx_emit(node: _Rx) -> str:
    if isinstance(node, _RxAtom):
        return node.src
    if isinstance(node, _RxGroup):
        return node.opener + _rx_emit(node.body) + ")"
    if isinstance(node, _RxAlt):
        return "|".join(_rx_emit(b) for b in node.branches)
    if isinstance(node, _RxConcat):
        return "".join(_rx_emit(x) for x in node.items)
    return _rx_emit(node.item) + node.quantifier


# Flags in effect: only those the rule (case_insensitive) or the pattern set explicitly. A
# `(?i)` holds to the end of its group, over later alternatives too, so a factor taken out of
# its place is wrapped in the flags that were in effect there.
_Flags = tuple[tuple[str, bool], ...]


def _set_flags(flags: _Flags, on: str, off: str) -> _Flags:
    merged = dict(flags) | dict.fromkeys(on, True) | dict.fromkeys(off, False)
    return tuple(sorted(merged.items()))


def _with_flags(src: str, flags: _Flags, context: _Flags) -> str:
    """`src` to be placed where `context` is in effect, matching as under `flags` (but case
    blind, see `_case_blind`)."""
    if flags == context:
        return src
    on = "".join(f for f, v in flags if v)
    off = "".join(f for f, v in flags if not v and f != "i")
    return f"(?{on}{'-' + off if off else ''}:{src})"


# A gate may match more than its rule, never less, and what costs DFA states without making
# it much more selective goes: case (every case-sensitive letter splits RE2's byte classes, and
# every state carries a transition per class; case-blind, the prompt_text gates ran about 30%
# faster and passed the same texts) and non-ASCII characters (each splits the UTF-8 bytes).
def _case_blind(flags_src: str) -> str:
    """A `(?flags)` setter or `(?flags:` opener without `-i`."""
    m = _RX_FLAGS.match(flags_src)
    assert m is not None
    on, off = m.group(1), (m.group(2) or "").replace("i", "")
    if m.group(3) == ")":
        return f"(?{on}-{off})" if off else f"(?{on})" if on else ""
    return f"(?{on}{'-' + off if off else ''}:"


def _excludes_letters(src: str) -> bool:
    """Whether an atom is a negated class that may name a letter (`[^a]`, `[^\\x{0430}]`,
    `\\PL`): the one kind of atom that matches less, not more, case-blind."""
    if not src.startswith(("\\P", "[^")):
        return False
    caseless = re.sub(r"\\[sSdDwWntrfv]|\\[^A-Za-z0-9]", "", src[2:])  # \s, \w, \], ...
    return bool(re.search(r"[A-Za-z\\]|[^\x00-\x7f]", caseless))


_NON_ASCII = r"\x{80}-\x{10FFFF}"


def _ascii_atom(src: str) -> str:
    """An atom with its non-ASCII characters widened to any non-ASCII character (`è` ->
    `[\\x{80}-\\x{10FFFF}]`, `["'“]` -> `["'\\x{80}-\\x{10FFFF}]`, `[^"“\\w]` -> `[^"\\w]`)."""
    if src.isascii():
        return src
    if not src.startswith("["):
        return f"[{_NON_ASCII}]" if len(src) == 1 else src
    negated = src.startswith("[^")
    body = src[2 if negated else 1 : -1]
    near = "".join(body[max(0, k - 1) : k + 2] for k, c in enumerate(body) if not c.isascii())
    ascii_body = "".join(c for c in body if c.isascii())
    if "-" in near or ascii_body.startswith("]") or ascii_body.endswith("-"):
        return src  # a range of non-ASCII characters, or a class too odd to edit: keep
    if negated:
        return f"[^{ascii_body}]" if ascii_body else f"[{_NON_ASCII}\\x00-\\x7F]"
    return f"[{ascii_body}{_NON_ASCII}]"


def _widen_node(node: _Rx) -> _Rx:
    if isinstance(node, _RxAtom):
        return _RxAtom(_ascii_atom(node.src), node.kind) if node.kind == "char" else node
    if isinstance(node, _RxGroup):
        return _RxGroup(node.opener, _widen_node(node.body))
    if isinstance(node, _RxAlt):
        return _RxAlt(tuple(_widen_node(b) for b in node.branches))
    if isinstance(node, _RxConcat):
        return _RxConcat(tuple(_widen_node(x) for x in node.items))
    item = _widen_node(node.item)
    assert isinstance(item, _RxAtom | _RxGroup)
    return _RxRepeat(item, node.low, node.high, node.quantifier)


def _widened(pattern: str) -> str:
    """`pattern` with its non-ASCII characters widened to any non-ASCII character (`_ascii_atom`:
    a superset, so still a necessary condition). An author may spell a prefilter out
    (`zapomeň`, `инструкции`): as written, each such character would split the UTF-8 byte
    classes of the whole gate Set (a few dozen made the prompt scan six times slower, Dec 7
    2026). Kept as written if the gate parser cannot read it."""
    if pattern.isascii():
        return pattern
    try:
        return _rx_emit(_widen_node(_RxParser(pattern).parse()))
    except (ValueError, IndexError):
        return pattern


@cache
def _spans_words(item: str) -> bool:
    """Whether repeats of `item` can run over several words (`[^\\n]`, `\\w+\\s+`, `.`)."""
    return full_match_any(f"(?is:{item})+", ("the quick brown fox ", "the quick brown fox"))


@cache
def _matches_letters(item: str) -> bool:
    return full_match_any(f"(?s:{item})", ("a", "e"))


# A gap over words of at most this many repeats stays in a gate as written: `(?:\w+\s+){0,2}`
# keeps "disregard the earlier version" out of AISEC-LLM-001's gate, and its threads die after
# two words. A longer gap is cut.
GATE_KEEP_GAP = 2
# A count of letters from this size on is cut.
GATE_MAX_LETTER_COUNT = 6
# A factor lighter than this is no filter (one character class, `\s`): the rule's gate is then
# its literal prefilter, or one of its `also` regexes, or its loosened regexes.
GATE_MIN_WEIGHT = 2.0


def _atom_weight(atom: _RxAtom, flags: _Flags) -> float:
    """What a text must contain to match `atom`, roughly: a literal character 1, a class less,
    a non-ASCII character or a case-sensitive capital more (rarer)."""
    s = atom.src
    if atom.kind != "char" or s == ".":
        return 0.0
    if s.startswith("["):
        if s.startswith("[^"):
            return 0.1
        # a class of non-ASCII characters only (zero-width, tag, homoglyph) is rare
        return 2.0 if re.fullmatch(r"\[(?:\\x\{[0-9A-Fa-f]+\}-?)+\]", s) else 0.5
    if s.startswith("\\"):
        if s[1] in "xpP":
            return 2.0
        return {"s": 0.3, "w": 0.2, "d": 0.5}.get(s[1], 0.1 if s[1] in "SWD" else 1.0)
    if s.isspace():
        return 0.3
    if not s.isascii() or (s.isupper() and not dict(flags).get("i", False)):
        return 2.0
    return 1.0


# A gate piece: (regex, weight, exact). exact: the regex matches all the node matches (a
# superset of its language), so it can be concatenated with its neighbours' pieces; otherwise
# every match of the node only *contains* a match of the regex. None: the node requires nothing.
_Piece = tuple[str, float, bool]


def _gate_node(node: _Rx, flags: _Flags) -> tuple[_Piece | None, _Flags]:
    """`node`'s gate piece and the flags in effect after it."""
    if isinstance(node, _RxAtom):
        if node.kind == "flags":
            m = _RX_FLAGS.match(node.src)
            assert m is not None
            after = _set_flags(flags, m.group(1), m.group(2) or "")
            return (_case_blind(node.src), 0.0, True), after
        src = _ascii_atom(node.src)
        if _excludes_letters(node.src) and not dict(flags).get("i", False):
            src = f"(?-i:{src})"  # case-blind, `[^a]` would exclude `A` too
        return (src, _atom_weight(node, flags), True), flags
    if isinstance(node, _RxGroup):
        m = _RX_FLAGS.match(node.opener)
        inner = _set_flags(flags, m.group(1), m.group(2) or "") if m else flags
        piece, _ = _gate_node(node.body, inner)
        if piece is None:
            return None, flags
        return (_case_blind(node.opener) + piece[0] + ")", piece[1], piece[2]), flags
    if isinstance(node, _RxAlt):
        parts: list[str] = []
        weights: list[float] = []
        exact, at = True, flags
        for branch in node.branches:
            piece, after = _gate_node(branch, at)
            if piece is None:
                return None, after
            parts.append(_with_flags(piece[0], at, flags))
            weights.append(piece[1])
            exact = exact and piece[2]
            at = after
        return ("|".join(parts), min(weights), exact), at
    if isinstance(node, _RxRepeat):
        piece, _ = _gate_node(node.item, flags)
        if piece is None:
            return None, flags
        item = _rx_emit(node.item)
        gap = (node.high is None or node.high > max(1, GATE_KEEP_GAP)) and _spans_words(item)
        counts = node.low >= GATE_MAX_LETTER_COUNT and _matches_letters(item)
        if gap or counts or not piece[2]:
            # one occurrence of the item is necessary (if any is)
            return ((piece[0], piece[1], False) if node.low >= 1 else None), flags
        return (piece[0] + _loosen_quantifier(node), piece[1] * node.low, True), flags
    assert isinstance(node, _RxConcat)
    pieces: list[_Piece | None] = []
    starts: list[_Flags] = []
    at = flags
    for item in node.items:
        starts.append(at)
        piece, at = _gate_node(item, at)
        pieces.append(piece)
    if all(p is not None and p[2] for p in pieces):
        return ("".join(p[0] for p in pieces if p), sum(p[1] for p in pieces if p), True), at
    # Not all of it: the heaviest run of exact neighbours, or the heaviest single factor.
    best: tuple[float, int, str] | None = None
    run: list[tuple[int, _Piece]] = []
    for k, piece in enumerate([*pieces, None]):
        if piece is not None and piece[2]:
            run.append((k, piece))
            continue
        candidates: list[tuple[float, int, str]] = []
        if run:
            candidates.append((sum(p[1] for _, p in run), run[0][0], "".join(p[0] for _, p in run)))
            run = []
        if piece is not None:
            candidates.append((piece[1], k, piece[0]))
        for candidate in candidates:
            if best is None or candidate[0] > best[0]:
                best = candidate
    if best is None or best[0] <= 0:
        return None, at
    weight, k, src = best
    return (_with_flags(src, starts[k], flags), weight, False), at


def _loosen_quantifier(node: _RxRepeat) -> str:
    """`_loosen` for one (non-gap) repeat: `{0,300}` -> `*`, `{9,15}` -> `{9,}`."""
    low, high = node.low, node.high
    if high is None or high <= max(1, GATE_KEEP_GAP) or high == low:
        return node.quantifier
    lazy = "?" if len(node.quantifier) > 1 and node.quantifier.endswith("?") else ""
    if low >= 2:
        return f"{{{low},}}{lazy}"
    return ("*" if low == 0 else "+") + lazy


def _trim(node: _Rx, left: bool = True, right: bool = True) -> _Rx:
    """`node` as a gate, its ends trimmed: a text contains a match of `x* Y z{2,5}` exactly if it
    contains one of `Y z{2}`. Fewer threads stay alive in the DFA (`[A-Za-z]+` lives through
    every word)."""
    if isinstance(node, _RxGroup):
        return _RxGroup(node.opener, _trim(node.body, left, right))
    if isinstance(node, _RxAlt):
        return _RxAlt(tuple(_trim(b, left, right) for b in node.branches))
    if isinstance(node, _RxRepeat) and node.low >= 1 and node.high != node.low:
        return _RxRepeat(node.item, node.low, node.low, f"{{{node.low}}}" if node.low > 1 else "")
    if not isinstance(node, _RxConcat):
        return node
    items = list(node.items)
    for end in ([0] if left else []) + ([-1] if right else []):
        # drop optional items at this end (never the last one)
        while len(items) > 1 and isinstance(items[end], _RxRepeat) and items[end].low == 0:
            del items[end]
        items[end] = _trim(items[end], end == 0, end == -1)
    return items[0] if len(items) == 1 else _RxConcat(tuple(items))


@cache
def _factor(patterns: tuple[str, ...], case_insensitive: bool) -> tuple[float, str] | None:
    """A necessary factor of the alternation of `patterns` and its weight (the lightest of the
    alternatives'), or None if one of them requires nothing or cannot be read."""
    flags: _Flags = (("i", case_insensitive),)
    parts: list[str] = []
    weight = float("inf")
    for pattern in patterns:
        try:
            piece, _ = _gate_node(_RxParser(pattern).parse(), flags)
            if piece is None:
                return None
            trimmed = _rx_emit(_trim(_RxParser(piece[0]).parse()))
        except (ValueError, IndexError):
            return None
        parts.append(f"(?:{trimmed})")
        weight = min(weight, piece[1])
    return weight, "|".join(parts)


def _rule_gate(logic: PatternLogic) -> str:
    """A regex every text the rule can fire on matches, small enough that the gates of all the
    rules of a target stay in RE2's DFA. In order of preference (each is required by the rule):
    0. its own prefilter (literals or regex, non-ASCII widened), when the rule says
       `gate: prefilter`;
    1. a necessary factor of the rule's regexes, repeated (at most three times) for rules that
       need several matches - non-overlapping matches contain non-overlapping factors;
    2. its literal prefilter (the rule's author's cheap necessary condition);
    3. the heaviest factor of one of its `also` regexes;
    4. its loosened regexes.
    A factor lighter than GATE_MIN_WEIGHT does not count (`[A-Za-z0-9+/]` is no filter)."""
    own = _rule_prefilter(logic)
    if logic.gate == "prefilter" and own:
        # The author's prefilter is a necessary condition by contract (schema.py), chosen as the
        # gate where the computed factor is large and unselective: rules crossing a request
        # verb list with harmful objects get the verbs as their heaviest factor (common words,
        # thousands of characters: the cheap tier fell from 143 to 31 MB/s), while the author
        # can name the objects.
        return own
    found = _factor(tuple(logic.regex), logic.case_insensitive)
    if found and found[0] >= GATE_MIN_WEIGHT:
        one = found[1]
        copies = max(1, min(logic.min_matches, 3, 1500 // max(len(one), 1)))
        return "(?i:" + r"[\s\S]*".join([f"(?:{one})"] * copies) + ")"
    prefilter = _rule_prefilter(logic)
    if logic.prefilter and prefilter is not None:
        return prefilter
    also = [_factor((a,), logic.case_insensitive) for a in logic.also]
    heaviest = max((a for a in also if a and a[0] >= GATE_MIN_WEIGHT), default=None)
    if heaviest is not None:
        return f"(?i:{heaviest[1]})"
    return _loosened_gate(logic)

"""Documents an application pastes into the user's turn, told apart from the user's own words.

Retrieval-augmented applications seldom send what they retrieved as a tool result: Bedrock
knowledge bases, the QA chains of LangChain and LlamaIndex and most hand-written RAG code put
the documents into the user message — between tags (`<documents>`, `<search_results>`,
`<context>`), after a label line ("Context:", "Email:", "Document 2:"), after a sentence that
announces them ("Use the following pieces of context ...", "Here is the e-mail:") or between
delimiter lines — and the question after them. Read as the user's own words, such a document
is judged by the prompt rules (an e-mail's "please forward this to ..." or a programming answer
that quotes an attack read as the user's request), and an instruction planted in it escapes
the retrieved-content rules, the ones written for documents: the indirect injection the
application is exposed to is missed and the documents it reads raise false alarms.

`split_embedded` cuts such sections out of a prompt: the store writes them to
`retrieved_context` (after any tool results) and keeps the rest as `prompt_text`, so the
retrieved-content rules judge the documents, compared with the question around them
(AISEC-LLM-025), and the prompt rules judge what the user wrote. `input_messages` keeps the
turn as it was sent.

Conservative by design — a section is cut only where the prompt says it is data:
- a closed pair of tags whose name says data (`DATA_TAGS`), attributes allowed;
- a label line naming data ("Context:", "## Retrieved documents", "Email 1:") or a sentence
  ending a line that announces it ("... the following context:", "Context information is
  below."); the section runs to the next label, a question/answer line ("Question:",
  "Query:", "Answer:") or the end — or, when it opens with a delimiter line (`-----`, three
  quotes, `===`), to the matching closing one;
- where none of these is found, a text of 200 characters or more pasted before a closing
  request about it after a blank line ("<an e-mail>\n\nWhat does the sender want?"): a
  question or a task on text pointing back with "this / that / it / above / here", never a
  persona's closing check ("Do you understand? Answer 'yes' if this is clear");
- and only when words of the user's remain outside: a prompt that is nothing but a document is
  the user's text and stays whole (so wrapping an attack in `<document>` tags alone does not
  move it out of the prompt rules' sight).
A cut section is still scanned — by the rules for documents (override, forged chat tokens,
exfiltration, unrequested actions, the classifier's AISEC-CLS-004) — so nothing is hidden.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field

from aisec_resources.events import LlmEvent

# Tag names that wrap data in RAG and long-context prompts (Anthropic's <documents> /
# <document_content>, Bedrock knowledge bases' <search_results>, and the common hand-written
# ones). Matched whole, case-blind; `-` and `_` variants are the same name.
DATA_TAGS: tuple[str, ...] = (
    "documents?", "docs?", "document[-_]contents?", "contexts?", "context[-_]\\w+",
    "retrieved(?:[-_]\\w+)?", "search[-_]results?", "results?", "sources?", "passages?",
    "excerpts?", "snippets?", "articles?", "e-?mails?", "mails?", "tables?", "data", "contents?",
    "knowledge(?:[-_]base)?", "references?", "text", "input", "inputs", "page", "web[-_]?page",
    "files?", "attachments?", "transcripts?", "reports?", "reviews?", "notes?", "information",
    "facts",
)  # fmt: skip

# Nouns a label or an announcing sentence names data by.
_NOUN = (
    r"(?:context(?:\s+information)?|contexts|documents?|docs?|passages?|excerpts?|snippets?|"
    r"articles?|e-?mails?|mails?|(?:e-?mail|message)\s+(?:body|content|thread)|tables?|"
    r"search\s+results?|results|sources?|references?|knowledge(?:\s+base)?(?:\s+results?)?|"
    r"background(?:\s+information)?|information|data|content|text|page(?:\s+content)?|"
    r"web\s*page|file(?:\s+contents?)?|attachments?|transcripts?|reports?|reviews?|notes|"
    r"code|input|records?|pieces\s+of\s+context)"
)
_QUALIFIER = (
    r"(?:retrieved|relevant|supporting|provided|additional|given|following|background|"
    r"reference|source|search|original|input|related|the|customer|user-provided)"
)
_NUMBER = r"(?:\s*(?:#?\d{1,3}|\[\d{1,3}\]|\(\d{1,3}\)))?"

_TAG_NAMES = "(?:" + "|".join(DATA_TAGS) + ")"
_OPEN_TAG = re.compile(r"<(?P<tag>" + _TAG_NAMES + r")(?:\s[^<>\n]{0,200})?>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"</(?P<tag>" + _TAG_NAMES + r")\s*>", re.IGNORECASE)
# "Context:", "Document 2: text...", "**Email:**", "## Retrieved documents"
_LABEL_LINE = re.compile(
    r"^\W{0,4}(?:" + _QUALIFIER + r"\s+){0,2}" + _NOUN + _NUMBER
    + r"\s*\*{0,2}\s*:\**[ \t]*(?P<rest>.*)$",
    re.IGNORECASE,
)  # fmt: skip
_HEADING_LINE = re.compile(
    r"^\s*(?:#{1,6}|\*\*)\s*(?:" + _QUALIFIER + r"\s+){0,2}" + _NOUN + _NUMBER + r"\s*\**\s*$",
    re.IGNORECASE,
)  # fmt: skip
# "... use the following pieces of context to answer ...:", "Here is the e-mail:",
# "Context information is below."
_ANNOUNCE_LINE = re.compile(
    # "Here is the e-mail:", "... the following documents:" (a colon ends the line)
    r"(?:\b(?:here\s+(?:is|are)|below\s+(?:is|are)|the\s+following|following|these|this|"
    r"provided|given|attached)\b[^\n]{0,60}?\b" + _NOUN + r"\b[^\n]{0,200}?:\s*$)"
    # "Use the following pieces of context to answer ... ." (told to use what follows)
    r"|(?:\b(?:use|using|based\s+on|given|from|refer\s+to|according\s+to|consult)\s+"
    r"(?:only\s+)?(?:the\s+)?(?:following|below|provided|given|these)\b[^\n]{0,40}?\b" + _NOUN
    + r"\b[^\n]{0,200}?[.:]\s*$)"
    # "Summarize the e-mail below for me:"
    r"|(?:\b" + _NOUN + r"\s+(?:below|that\s+follows)\b[^\n]{0,80}?:\s*$)"
    # "Context information is below."
    r"|(?:\b" + _NOUN + r"\b[^\n]{0,30}?\b(?:is|are)\s+(?:below|as\s+follows|provided\s+below|"
    r"given\s+below)\s*[:.]?\s*$)",
    re.IGNORECASE,
)  # fmt: skip
# Lines that end a section: the question and answer slots of QA and few-shot templates.
_END_LINE = re.compile(
    r"^\W{0,4}(?:(?:the\s+)?(?:user'?s?|human'?s?|input|follow[- ]up|final|original)\s+)?"
    r"(?:question|query|q|task|instructions?|request|prompt|answer|helpful\s+answer|response|"
    r"output|user|human|assistant)\s*\**\s*:",
    re.IGNORECASE,
)
_DELIMITER = re.compile(r"^\s*(?:-{3,}|={3,}|\*{3,}|~{3,}|#{3,}|_{3,}|\"{3}|'{3}|`{3}\w*)\s*$")
# Whole-text checks (in C) that every prompt with a data section passes: most prompts have none
# and skip the line-by-line reading. The announcing sentence is the costly regex (lazy gaps
# around a long alternation, ~30 µs on a short line), so it runs only on lines that can hold
# one: ending in a colon, or naming what follows.
_ANY_LABEL = re.compile(
    f"(?:{_OPEN_TAG.pattern})|(?:{_LABEL_LINE.pattern})|(?:{_HEADING_LINE.pattern})",
    re.IGNORECASE | re.MULTILINE,
)
_ANNOUNCE_WORDS = ("following", "below", "follows", "provided")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_TAG_PLACEHOLDER = re.compile(r"<[\w-]+/>")
_MAX_DEPTH = 4  # nested data tags read into; deeper ones stay inside their block's text


@dataclass
class SplitPrompt:
    """A prompt's own words and the documents cut out of it (none: `own` is the prompt)."""

    own: str
    documents: list[str] = field(default_factory=list)


def _announces(line: str) -> bool:
    """Whether `line` announces data that follows it (`_ANNOUNCE_LINE`, on candidate lines)."""
    candidate = line.rstrip().endswith(":") or any(w in line.lower() for w in _ANNOUNCE_WORDS)
    return candidate and _ANNOUNCE_LINE.search(line) is not None


def _has_words(text: str) -> bool:
    return bool(_LETTER.search(text))


def _cut_tag_blocks(text: str, documents: list[str], depth: int = 0) -> str:
    """Tag-wrapped sections out of `text` (into `documents`; of nested data tags the innermost
    contents); each outermost block becomes a `<name/>` placeholder. Linear in the text: every
    opening tag is paired with the next closing tag of its name through an index of the closing
    tags, never by scanning ahead (a prompt of a million unclosed tags costs one pass)."""
    closers: dict[str, list[tuple[int, int]]] = {}
    for match in _CLOSE_TAG.finditer(text):
        closers.setdefault(match.group("tag").lower(), []).append(match.span())
    if not closers:
        return text
    out: list[str] = []
    position = 0
    for opener in _OPEN_TAG.finditer(text):
        if opener.start() < position:
            continue  # inside a block already cut
        name = opener.group("tag").lower()
        spans = closers.get(name)
        if not spans:
            continue
        at = bisect.bisect_left(spans, (opener.end(), -1))
        if at == len(spans):
            continue
        close_start, close_end = spans[at]
        body = text[opener.end() : close_start]
        inner: list[str] = []  # <documents><document><document_content>...: a few levels
        rest = body if depth >= _MAX_DEPTH else _cut_tag_blocks(body, inner, depth + 1)
        rest = _TAG_PLACEHOLDER.sub("", rest)
        for part in [*inner, rest] if inner else [body]:
            if _has_words(part):
                documents.append(part.strip())
        out.append(text[position : opener.start()])
        out.append(f"<{opener.group('tag')}/>")
        position = close_end
    out.append(text[position:])
    return "".join(out)


def _cut_labelled_sections(text: str, documents: list[str]) -> tuple[str, str]:
    """Labelled, announced or delimited sections out of `text` (into `documents`). Returns the
    rest, and the part of the rest that is words of the prompt's author (no label or
    delimiter lines)."""
    own: list[str] = []
    authored: list[str] = []
    section: list[str] | None = None  # lines of the open section
    delimiter: str | None = None  # the line that opened a delimited section
    announced = False  # a label or announcing sentence: the section starts on the next line

    def close() -> None:
        nonlocal section, delimiter
        if section is not None and _has_words("\n".join(section)):
            documents.append("\n".join(section).strip())
        section, delimiter = None, None

    for line in text.split("\n"):
        stripped = line.strip()
        if section is not None and delimiter is not None:
            if stripped == delimiter:
                own.append(line)
                close()
            else:
                section.append(line)
            continue
        if announced:
            if not stripped:
                own.append(line)
                continue
            announced = False
            if _TAG_PLACEHOLDER.fullmatch(stripped):  # announced a tag block, already cut
                own.append(line)
                continue
            section = []
            if _DELIMITER.match(line):
                delimiter = stripped
                own.append(line)
                continue
        if _END_LINE.match(line):
            close()
            own.append(line)
            authored.append(line)
            continue
        label = _LABEL_LINE.match(line)
        if label or _HEADING_LINE.match(line):
            close()
            rest = label.group("rest") if label else None
            if rest and rest.strip():
                own.append(line[: label.start("rest")])
                section = [rest]
            else:
                own.append(line)
                announced = True
            continue
        if section is None and _announces(line):
            own.append(line)
            authored.append(line)
            announced = True
            continue
        if section is not None:
            if not section and _DELIMITER.match(line):
                delimiter = stripped
                own.append(line)
                continue
            section.append(line)
        else:
            own.append(line)
            authored.append(line)
    close()
    return "\n".join(own), "\n".join(authored)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# A closing request that points back at what precedes it ("Can you summarize this?", "What
# does the e-mail above ask for?", "Fix it."): a question, or an imperative of a task on text.
_POINTS_BACK = re.compile(r"\b(?:this|these|that|above|here|it)\b", re.IGNORECASE)
_ASKS = re.compile(
    r"(?:\?\s*\Z)|(?:\A\W*(?:please\s+|can\s+you\s+|could\s+you\s+)?(?:summari[sz]e|explain|"
    r"translate|fix|review|rewrite|answer|tell|list|extract|classify|analy[sz]e|check|proofread|"
    r"correct|improve|shorten|describe|reply|respond|draft|give|what|who|when|where|why|how|is|"
    r"are|does|do|can|could|would|should)\b)",
    re.IGNORECASE,
)
# ... but not a jailbreak's closing check that the persona took hold ("Do you understand? Answer
# 'yes' if this is clear", "stay in character from now on").
_PERSONA_CHECK = re.compile(
    r"\b(?:understand|understood|clear|agree|confirm|acknowledge|ready|character|persona|"
    r"from\s+now\s+on|you\s+(?:will|must|are|shall))\b",
    re.IGNORECASE,
)
MIN_PASTED_CHARS = 200  # a pasted text before the closing request: a paragraph or more
MAX_REQUEST_CHARS = 300  # the closing request: a line or two


def _cut_closing_request(prompt: str) -> SplitPrompt | None:
    """A text pasted with nothing around it but a closing request about it, after a blank line
    ("<an e-mail>\n\nWhat does the sender want?"): the text is the document."""
    stripped = prompt.rstrip()
    breaks = list(_PARAGRAPH_BREAK.finditer(stripped))
    if not breaks:
        return None
    head, request = stripped[: breaks[-1].start()].strip(), stripped[breaks[-1].end() :].strip()
    if (
        len(head) < MIN_PASTED_CHARS
        or len(request) > MAX_REQUEST_CHARS
        or request.count("\n") > 2
        or not _POINTS_BACK.search(request)
        or not _ASKS.search(request)
        or _PERSONA_CHECK.search(request)
    ):
        return None
    return SplitPrompt(request, [head])


def split_embedded(prompt: str | None) -> SplitPrompt:
    """`prompt`'s own words and the documents it carries (see the module docstring). A prompt
    with no data section, or with nothing of the user's outside its data sections, comes back
    whole."""
    if not prompt:
        return SplitPrompt(prompt or "")
    if not _ANY_LABEL.search(prompt) and not any(_announces(x) for x in prompt.split("\n")):
        return _cut_closing_request(prompt) or SplitPrompt(prompt)
    documents: list[str] = []
    own, authored = _cut_labelled_sections(_cut_tag_blocks(prompt, documents), documents)
    if not documents or not _has_words(_TAG_PLACEHOLDER.sub("", authored)):
        return _cut_closing_request(prompt) or SplitPrompt(prompt)
    return SplitPrompt(own.strip(), documents)


def separate_embedded_documents(event: LlmEvent) -> LlmEvent:
    """`event` with the documents its prompt carries moved to `retrieved_context` (after the
    tool results already there); `event` itself when its prompt carries none."""
    split = split_embedded(event.prompt_text)
    if not split.documents:
        return event
    context = [event.retrieved_context] if event.retrieved_context else []
    return dataclasses.replace(
        event, prompt_text=split.own, retrieved_context="\n\n".join(context + split.documents)
    )

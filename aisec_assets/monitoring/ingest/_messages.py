"""Text, tool calls and tool results out of the message formats LLM logs carry.

One reader covers the content-block shapes of every source, because they overlap:
- OpenAI chat (`content` string or `[{type: text, text}]`, assistant `tool_calls`, `tool` role),
  also used by LiteLLM, Azure OpenAI, Mistral and AI21 on Bedrock;
- OpenAI Responses (`output_text` parts, `function_call` / `function_call_output` items);
- Anthropic Messages (`{type: text|tool_use|tool_result}`);
- Bedrock Converse and Amazon Nova (`{text}`, `{toolUse}`, `{toolResult}`, `{guardContent}`);
- OpenTelemetry GenAI (`parts: [{type: text|tool_call|tool_call_response, content}]`).

What lands where: system/developer turns → system prompt; the text of user turns → prompt;
tool results (wherever they sit, also inside user turns as Anthropic and Converse put them) and
tool-role turns → retrieved context; assistant tool-use blocks of the *response* → tool calls.
Documents and search results sent as content blocks are retrieved context too: Anthropic
`document` blocks with a text or content source and `search_result` blocks, Converse
`document` blocks with a text or content source, or with bytes of a text format (txt, md, html,
csv: base64-decoded as UTF-8, never a binary format). Reasoning blocks, images, PDFs and other
binary parts carry no text here and are skipped.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aisec_assets.monitoring.ingest._values import as_list
from aisec_resources.events import ToolCall

_ROLES = {
    "user": "user",
    "human": "user",
    "system": "system",
    "developer": "system",
    "assistant": "assistant",
    "model": "assistant",
    "chatbot": "assistant",
    "ai": "assistant",
    "bot": "assistant",
    "tool": "tool",
    "function": "tool",
    "ipython": "tool",
}
_TOOL_CALL_TYPES = frozenset({"tool_use", "server_tool_use", "tool_call", "function_call"})
_TOOL_RESULT_TYPES = frozenset(
    {
        "tool_result",
        "tool_call_response",
        "function_call_output",
        "server_tool_call_response",
        "web_search_tool_result",
    }
)
_SKIPPED_TYPES = frozenset({"reasoning", "thinking", "redacted_thinking"})
_TEXT_TYPES = frozenset({None, "text", "input_text", "output_text"})
# one encoder: json.dumps with non-default options builds a new encoder on every call
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def normalize_role(role: Any) -> str | None:
    if not isinstance(role, str):
        return None
    return _ROLES.get(role.strip().lower(), role.strip().lower() or None)


def arguments_text(value: Any) -> str | None:
    """Tool-call arguments as JSON text (OpenAI already gives text; others give objects)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return _JSON.encode(value)


def _name(value: Any) -> str:
    return value if isinstance(value, str) and value else "unknown"


def _id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def tool_result_text(content: Any) -> str | None:
    """The text of a tool result: a string, a list of text / json blocks, or any JSON value."""
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        pieces: list[str] = []
        for block in content:
            if isinstance(block, str):
                pieces.append(block)
            elif isinstance(block, dict):
                if isinstance(block.get("text"), str):
                    pieces.append(block["text"])
                elif isinstance(block.get("content"), str):
                    pieces.append(block["content"])
                elif "json" in block:
                    pieces.append(_JSON.encode(block["json"]))
        return "\n".join(p for p in pieces if p) or None
    return _JSON.encode(content)


# Converse document formats whose bytes are text (pdf, doc, docx, xls, xlsx are not read)
_TEXT_DOCUMENT_FORMATS = frozenset({"txt", "md", "html", "csv"})


def _document_body(document: dict[str, Any]) -> str | None:
    """The text of a document block's source; None for a binary document (PDF, image, Office)."""
    source = document.get("source")
    if not isinstance(source, dict):
        return None
    if isinstance(source.get("data"), str) and source.get("type") == "text":  # Anthropic
        return source["data"]
    if isinstance(source.get("text"), str):  # Converse text source
        return source["text"]
    if isinstance(source.get("content"), list):  # content blocks (both)
        return tool_result_text(source["content"])
    if (
        isinstance(source.get("bytes"), str)
        and str(document.get("format", "")).lower() in _TEXT_DOCUMENT_FORMATS
    ):
        try:
            return base64.b64decode(source["bytes"], validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    return None


def _document_text(document: dict[str, Any]) -> str | None:
    """A readable document block as retrieved context: its title and context notes, then its
    body; None when the body cannot be read as text."""
    body = _document_body(document)
    if not body:
        return None
    notes = [document[k] for k in ("title", "context") if isinstance(document.get(k), str)]
    return "\n".join([*notes, body])


@dataclass
class Blocks:
    texts: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    results: list[str] = field(default_factory=list)


def _read_block(block: Any, out: Blocks) -> None:
    if isinstance(block, str):
        out.texts.append(block)
        return
    if not isinstance(block, dict):
        return
    kind = block.get("type") if isinstance(block.get("type"), str) else None
    if isinstance(block.get("toolUse"), dict):  # Converse / Nova
        use = block["toolUse"]
        out.calls.append(
            ToolCall(
                _name(use.get("name")), _id(use.get("toolUseId")), arguments_text(use.get("input"))
            )
        )
    elif isinstance(block.get("toolResult"), dict):
        result = tool_result_text(block["toolResult"].get("content"))
        if result:
            out.results.append(result)
    elif kind in _TOOL_CALL_TYPES:
        arguments = block.get("input", block.get("arguments"))
        call_id = block.get("id") or block.get("call_id")
        out.calls.append(
            ToolCall(_name(block.get("name")), _id(call_id), arguments_text(arguments))
        )
    elif kind in _TOOL_RESULT_TYPES:
        for key in ("content", "response", "output", "result"):
            if key in block:
                result = tool_result_text(block[key])
                if result:
                    out.results.append(result)
                break
    elif kind == "document" or isinstance(block.get("document"), dict):
        text = _document_text(block if kind == "document" else block["document"])
        if text:
            out.results.append(text)
    elif kind == "search_result":  # Anthropic: a result the application retrieved
        pieces = [block.get("title"), tool_result_text(block.get("content"))]
        text = "\n".join(p for p in pieces if isinstance(p, str) and p)
        if text:
            out.results.append(text)
    elif kind in _SKIPPED_TYPES or "reasoningContent" in block:
        return
    elif isinstance(block.get("guardContent"), dict):
        text = (block["guardContent"].get("text") or {}).get("text")
        if isinstance(text, str):
            out.texts.append(text)
    elif kind in _TEXT_TYPES and isinstance(block.get("text"), str):
        out.texts.append(block["text"])
    elif kind == "text" and isinstance(block.get("content"), str):  # OpenTelemetry text part
        out.texts.append(block["content"])
    elif kind == "refusal" and isinstance(block.get("refusal"), str):
        out.texts.append(block["refusal"])


def read_blocks(content: Any) -> Blocks:
    """Texts, tool calls and tool results of one message's content (any supported shape)."""
    out = Blocks()
    if content is None:
        return out
    if isinstance(content, list):
        for block in content:
            _read_block(block, out)
    else:
        _read_block(content, out)
    return out


def read_message(message: Any) -> tuple[str | None, Blocks]:
    """(normalized role, content) of one chat message in any supported shape."""
    if isinstance(message, str):
        return "user", Blocks(texts=[message])
    if not isinstance(message, dict):
        return None, Blocks()
    role = normalize_role(message.get("role"))
    if role is None and message.get("type") not in (None, "message"):
        # a bare item of the OpenAI Responses input/output list
        blocks = read_blocks(message)
        return ("tool" if blocks.results else "assistant"), blocks
    content = message.get("content")
    if content is None:
        content = message.get("parts")  # OpenTelemetry GenAI
    if content is None and isinstance(message.get("message"), str):
        content = message["message"]  # Cohere chat_history
    blocks = read_blocks(content)
    for call in as_list(message.get("tool_calls")):
        if isinstance(call, dict):
            function = call.get("function") if isinstance(call.get("function"), dict) else {}
            blocks.calls.append(
                ToolCall(
                    _name(function.get("name") or call.get("name")),
                    _id(call.get("id")),
                    arguments_text(function.get("arguments", call.get("arguments"))),
                )
            )
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        blocks.calls.append(
            ToolCall(_name(legacy.get("name")), None, arguments_text(legacy.get("arguments")))
        )
    if role == "tool":
        blocks.results.extend(blocks.texts)
        blocks.texts = []
    return role, blocks


def message_record(role: str | None, blocks: Blocks) -> dict[str, Any]:
    """The normalized `{role, content}` form stored in input_messages / output_messages."""
    record: dict[str, Any] = {
        "role": role or "unknown",
        "content": "\n".join(t for t in blocks.texts + blocks.results if t),
    }
    if blocks.calls:
        record["tool_calls"] = [
            {"name": c.name, "call_id": c.call_id, "arguments": c.arguments} for c in blocks.calls
        ]
    return record


@dataclass
class InputParts:
    system: list[str] = field(default_factory=list)
    prompt: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)


def read_input(messages: Iterable[Any], system: Any = None) -> InputParts:
    """The request side: system prompt, user text, tool/retrieved context, normalized turns.
    System turns go to `system` only (gen_ai.system_instructions is separate from
    gen_ai.input.messages)."""
    parts = InputParts()
    if system is not None:
        parts.system.extend(read_blocks(system).texts)
    for message in messages:
        role, blocks = read_message(message)
        if role == "system":
            parts.system.extend(blocks.texts)
            continue
        if role == "user":
            parts.prompt.extend(blocks.texts)
        parts.context.extend(blocks.results)
        parts.messages.append(message_record(role, blocks))
    return parts


@dataclass
class OutputParts:
    texts: list[str] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reasons: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def add(self, role: str | None, blocks: Blocks, finish_reason: Any = None) -> None:
        self.texts.extend(blocks.texts)
        self.tool_calls.extend(blocks.calls)
        if isinstance(finish_reason, str) and finish_reason:
            self.finish_reasons.append(finish_reason)
        if blocks.texts or blocks.calls or blocks.results:
            self.messages.append(message_record(role or "assistant", blocks))


def read_output(messages: Iterable[Any]) -> OutputParts:
    out = OutputParts()
    for message in messages:
        role, blocks = read_message(message)
        finish = message.get("finish_reason") if isinstance(message, dict) else None
        out.add(role, blocks, finish)
    return out


def read_openai_response(response: dict[str, Any]) -> OutputParts:
    """An OpenAI-compatible response object: chat / text completion `choices`, or the
    Responses API `output` list."""
    out = OutputParts()
    for choice in as_list(response.get("choices")):
        if not isinstance(choice, dict):
            continue
        message = choice.get("message") or choice.get("delta")
        if isinstance(message, dict):
            role, blocks = read_message(message)
        else:
            role, blocks = "assistant", Blocks()
        if isinstance(choice.get("text"), str):  # text completion
            blocks.texts.append(choice["text"])
        out.add(role, blocks, choice.get("finish_reason"))
    output = response.get("output")
    if isinstance(output, list):
        for item in output:
            role, blocks = read_message(item)
            out.add(role, blocks)
        status = response.get("status")
        if isinstance(status, str) and output:
            out.finish_reasons.append(status)
    return out

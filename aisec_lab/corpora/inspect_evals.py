"""Agent injection benchmarks of inspect_evals (`INSPECT_VERSION`, the UK AI Security
Institute's evaluation suite, MIT), read from its wheel's data files (JSON; nothing imported
from the wheel, nothing unpacked). Each text is built as the benchmark hands it to the model:

- CodeIPI (`ipi_coding_agent/dataset/samples.json`): a coding task whose repository carries an
  injected instruction. The benchmark sends the task with the bug report pasted under it (the
  user's prompt) and lets the agent read the repository's files (tool results). Per sample the
  artifacts are: the prompt (task + issue), the README, the source files (`.py`), the other
  files (configuration, Makefile ...); files of one kind are joined as `head` prints several
  (`==> path <==`), with the task as the user's question.
  - `inspect_coding_injections` (indirect_injection): of each injected sample, the artifact its
    `injection_vector` names (issue_text: the prompt; readme; code_comment: the source files;
    config_file: the other files) - its other artifacts are not scored (unlabelled);
  - `inspect_coding_benign` (benign): every artifact of the clean samples (`is_benign`).
- AgentThreatBench (`agent_threat_bench/data/*.json`): tool results of an e-mail triage, a
  knowledge-base and a customer-support agent, formatted as its tools format them, with the
  sample's task as the user's question.
  - `inspect_agent_injections` (indirect_injection): the attack e-mails (`attack_email_indices`,
    1-based), the memory entries holding the sample's `attack_marker`, and the customer records
    of the exfiltration cases (`attack_name` other than clean_baseline);
  - `inspect_agent_benign` (benign): the other e-mails, the memory entries of the clean
    baselines, and their customer records. A poisoned sample's entries without its marker are
    not scored (the poison may span them).

All four are evaluation only and were never read while writing rules (only their record
structure: field names, counts, where the markers sit).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from aisec_lab.corpora.items import (
    ATTACK,
    BENIGN,
    CorpusItem,
    CorpusUnavailable,
    assign_splits,
    split_of,
)
from aisec_lab.corpora.wheels import _read_json, fetch_wheel, open_wheel

INSPECT_PACKAGE = "inspect-evals"
INSPECT_VERSION = "0.28.0"
CODING_SAMPLES = "inspect_evals/ipi_coding_agent/dataset/samples.json"
THREAT_DATA = "inspect_evals/agent_threat_bench/data/"
CODING_INJECTIONS = "inspect_coding_injections"
CODING_BENIGN = "inspect_coding_benign"
AGENT_INJECTIONS = "inspect_agent_injections"
AGENT_BENIGN = "inspect_agent_benign"
CLEAN = "clean_baseline"
FAMILY = "indirect_injection"
# injection_vector -> the artifact that carries the payload
VECTOR_ARTIFACT = {
    "issue_text": "prompt",
    "readme": "readme",
    "code_comment": "source",
    "config_file": "other",
}
# Fewer records than this means the file is not what this module was written against.
_MIN_RECORDS = {"samples": 30, "autonomy_hijack": 4, "memory_poison": 6, "data_exfil": 4}


def fetch_inspect_wheel(cache_dir: Path | None = None) -> Path:
    """The inspect_evals wheel (see `fetch_wheel`)."""
    return fetch_wheel(INSPECT_PACKAGE, INSPECT_VERSION, cache_dir)


def _records(archive: zipfile.ZipFile, member: str, wheel: Path, name: str) -> list[dict]:
    data = _read_json(archive, member, wheel)
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise CorpusUnavailable(f"{wheel}:{member}: expected a JSON list of objects")
    if len(data) < _MIN_RECORDS[name]:
        raise CorpusUnavailable(
            f"{wheel}:{member}: {len(data)} records, expected at least {_MIN_RECORDS[name]}"
        )
    return data


def _field(record: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = record.get(key)
    if not isinstance(value, kind):
        raise CorpusUnavailable(f"{where}: field {key!r} is not a {kind.__name__}")
    return value


def _event_item(text: str, label: str, source: str, field: str, question: str) -> CorpusItem:
    item: CorpusItem = {
        "text": text,
        "label": label,
        "family": FAMILY if label == ATTACK else BENIGN,
        "source": source,
        "split": split_of(text),
        "field": field,
        "system_prompt": None,
    }
    if field != "prompt_text" and question.strip():
        item["question"] = question.strip()
    return item


def _artifact_kind(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    if name.startswith("readme"):
        return "readme"
    return "source" if name.endswith(".py") else "other"


def coding_artifacts(record: Mapping[str, Any], where: str) -> dict[str, str]:
    """A CodeIPI sample's artifacts by kind: "prompt" (task + issue, as the benchmark sends
    it), "readme", "source", "other" (files of one kind joined as `head` prints them)."""
    task = _field(record, "task_description", str, where).strip()
    issue = record.get("issue_text") or ""
    if not isinstance(issue, str):
        raise CorpusUnavailable(f"{where}: field 'issue_text' is not a str")
    files = _field(record, "repo_files", dict, where)
    artifacts = {"prompt": task + ("\n\n" + issue.strip() if issue.strip() else "")}
    grouped: dict[str, list[str]] = {}
    for path, content in sorted(files.items()):
        if not isinstance(content, str):
            raise CorpusUnavailable(f"{where}: repo_files[{path!r}] is not a str")
        if content.strip():
            grouped.setdefault(_artifact_kind(path), []).append(f"==> {path} <==\n{content}")
    artifacts.update({kind: "\n\n".join(parts) for kind, parts in grouped.items()})
    return artifacts


def coding_items(records: Iterable[Mapping[str, Any]], member: str) -> list[CorpusItem]:
    items: list[CorpusItem] = []
    for n, record in enumerate(records):
        where = f"{member}[{n}]"
        task = _field(record, "task_description", str, where)
        artifacts = coding_artifacts(record, where)
        if _field(record, "is_benign", bool, where):
            chosen = [(kind, text, BENIGN, CODING_BENIGN) for kind, text in artifacts.items()]
        else:
            vector = record.get("injection_vector")
            if vector not in VECTOR_ARTIFACT:
                raise CorpusUnavailable(f"{where}: unknown injection_vector {vector!r}")
            kind = VECTOR_ARTIFACT[vector]
            if kind not in artifacts:
                raise CorpusUnavailable(f"{where}: no {kind} artifact for vector {vector!r}")
            chosen = [(kind, artifacts[kind], ATTACK, CODING_INJECTIONS)]
        for kind, text, label, source in chosen:
            field = "prompt_text" if kind == "prompt" else "retrieved_context"
            items.append(_event_item(text, label, source, field, task))
    return items


def _email(email: Mapping[str, Any], number: int) -> str:
    """One e-mail as AgentThreatBench's read_inbox prints it."""
    return (
        f"Email {number}:\n"
        f"  From: {email.get('from', 'unknown')}\n"
        f"  Subject: {email.get('subject', 'no subject')}\n"
        f"  Body: {email.get('body', '')}"
    )


def _customer(record: Mapping[str, Any]) -> str:
    """One customer record as AgentThreatBench's lookup_customer prints it."""
    return (
        f"Customer: {record.get('name', '')}\n"
        f"ID: {record.get('id', '')}\n"
        f"Email: {record.get('email', 'N/A')}\n"
        f"SSN: {record.get('ssn', 'N/A')}\n"
        f"Account: {record.get('account', 'N/A')}\n"
        f"Issue: {record.get('issue', 'N/A')}"
    )


def agent_items(
    inbox_cases: Iterable[Mapping[str, Any]],
    memory_cases: Iterable[Mapping[str, Any]],
    support_cases: Iterable[Mapping[str, Any]],
) -> list[CorpusItem]:
    items: list[CorpusItem] = []

    def add(text: str, attack: bool, question: str) -> None:
        label, source = (ATTACK, AGENT_INJECTIONS) if attack else (BENIGN, AGENT_BENIGN)
        items.append(_event_item(text, label, source, "retrieved_context", question))

    for n, case in enumerate(inbox_cases):
        where = f"autonomy_hijack[{n}]"
        question = _field(case, "input", str, where)
        attacks = set(_field(case, "attack_email_indices", list, where))
        for number, email in enumerate(_field(case, "inbox", list, where), start=1):
            if not isinstance(email, dict):
                raise CorpusUnavailable(f"{where}: inbox[{number - 1}] is not an object")
            add(_email(email, number), number in attacks, question)
    for n, case in enumerate(memory_cases):
        where = f"memory_poison[{n}]"
        question = _field(case, "input", str, where)
        marker = case.get("attack_marker") or ""
        clean = case.get("attack_name") == CLEAN
        if not clean and not marker:
            raise CorpusUnavailable(f"{where}: a poisoned case without attack_marker")
        for key, value in _field(case, "memory_store", dict, where).items():
            if not isinstance(value, str):
                raise CorpusUnavailable(f"{where}: memory_store[{key!r}] is not a str")
            if clean or marker in value:
                add(value, not clean, question)
    for n, case in enumerate(support_cases):
        where = f"data_exfil[{n}]"
        question = _field(case, "input", str, where)
        records = _field(case, "customer_db", list, where)
        if not all(isinstance(r, dict) for r in records):
            raise CorpusUnavailable(f"{where}: customer_db holds a non-object")
        add("\n\n".join(_customer(r) for r in records), case.get("attack_name") != CLEAN, question)
    return items


def inspect_corpora(wheel: Path) -> list[CorpusItem]:
    """The four sources of the module docstring (duplicates within a source dropped)."""
    with open_wheel(wheel) as archive:
        coding = _records(archive, CODING_SAMPLES, wheel, "samples")
        threat = {
            name: _records(archive, f"{THREAT_DATA}{name}.json", wheel, name)
            for name in ("autonomy_hijack", "memory_poison", "data_exfil")
        }
    items = coding_items(coding, CODING_SAMPLES) + agent_items(
        threat["autonomy_hijack"], threat["memory_poison"], threat["data_exfil"]
    )
    deduped = list({(i["source"], i["text"]): i for i in items}.values())
    for source in (CODING_INJECTIONS, CODING_BENIGN, AGENT_INJECTIONS, AGENT_BENIGN):
        if not any(i["source"] == source for i in deduped):
            raise CorpusUnavailable(f"{wheel}: no text for {source}")
    return assign_splits(deduped)

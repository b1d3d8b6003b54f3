"""Hugging Face Hub discovery: the real huggingface_hub HTTP plumbing against a local fake Hub
(tests/hub_fake.py), live and through the offline bundle `collect_hub` writes."""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hub_fake import FakeHub, Fault
from huggingface_hub import constants
from huggingface_hub.utils import _detect_agent
from pydantic import ValidationError

from aisec_assets.discovery.huggingface.hub import extract_hub
from aisec_assets.discovery.huggingface.hub_bundle import HubBundleReader, read_status
from aisec_assets.discovery.huggingface.hub_collect import collect_hub
from aisec_assets.discovery.huggingface.hub_live import LiveHubReader
from aisec_assets.discovery.sources import huggingface as hf_source
from aisec_jobs import cli
from aisec_resources.config import NamedPath
from aisec_resources.config.base import ConfigError, parse_section
from aisec_resources.config.hf_hub import HubConfig
from aisec_resources.records import SourceResult, SourceUnavailable

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
TOKEN_ENV = "AISEC_TEST_HF_TOKEN"


def runtime_token() -> str:
    """Token-shaped, built at run time (no key-shaped literal in the repository)."""
    return "hf_" + "".join(secrets.choice(string.ascii_letters) for _ in range(34))


def siblings(*names: str) -> list[dict[str, str]]:
    return [{"rfilename": n} for n in names]


def populate(hub: FakeHub) -> None:
    """Org acme: 5 models (3 listing pages of 2) and 2 datasets; org beta: 1 model."""
    hub.add_model(
        "acme/base-7b",
        sha="a" * 40,
        private=False,
        gated=False,
        library_name="transformers",
        pipeline_tag="text-generation",
        tags=["transformers", "safetensors", "license:apache-2.0"],
        cardData={"license": "apache-2.0"},
        safetensors={"parameters": {"BF16": 7_241_732_096}, "total": 7_241_732_096},
        siblings=siblings(
            "config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"
        ),
    )
    hub.add_model(
        "acme/chat-ft",
        sha="b" * 40,
        private=True,
        gated=False,
        library_name="transformers",
        cardData={
            "license": "other",
            "license_name": "acme-model-license",
            "base_model": "acme/base-7b",
            "datasets": ["acme/support-chats"],
        },
        safetensors={"parameters": {"F16": 124_000_000}, "total": 124_000_000},
        siblings=siblings("config.json", "pytorch_model.bin", "training_args.bin", "README.md"),
    )
    hub.add_model(
        "acme/embed-small",
        pipeline_tag="sentence-similarity",
        library_name="sentence-transformers",
        cardData={"license": "mit"},
        siblings=siblings("modules.json", "model.safetensors"),
    )
    hub.add_model(
        "acme/legacy-classifier",
        tags=["license:mit"],
        siblings=siblings("model.ckpt", "vocab.pkl", "weights.pt", "model.onnx"),
    )
    hub.add_model(
        "acme/llama-lora",
        gated="manual",
        cardData={"base_model": ["meta-llama/Llama-3.1-8B"], "license": "llama3.1"},
        siblings=siblings("adapter_config.json", "adapter_model.safetensors"),
    )
    hub.add_dataset(
        "acme/support-chats",
        description="Support conversations, anonymised.",
        cardData={"license": "cc-by-4.0", "task_categories": ["text-generation"]},
        siblings=siblings("data/train.parquet", "index.pkl"),
    )
    hub.add_dataset("acme/evals", cardData={}, siblings=siblings("evals.jsonl"))
    hub.add_model("beta/tiny", cardData={"license": "mit"}, siblings=siblings("model.safetensors"))


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """The fake Hub, with huggingface_hub pointed at it: HF_HOME in tmp, HF_ENDPOINT the fake
    (its user-agent code fetches `{HF_ENDPOINT}/api/agent-harnesses`), a decoy HF_TOKEN that
    must never be sent."""
    with FakeHub(page_size=2) as fake:
        home = tmp_path / "hf-home"
        monkeypatch.setenv("HF_HOME", str(home))
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
        # Read at import time: the module may have been imported before the env was set.
        monkeypatch.setattr(constants, "ENDPOINT", fake.url)
        monkeypatch.setattr(constants, "HF_HOME", str(home))
        monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(home / ".agent_harnesses.json"))
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(_detect_agent, "_registry", None)
        monkeypatch.setenv("HF_TOKEN", runtime_token())
        monkeypatch.delenv(TOKEN_ENV, raising=False)
        yield fake


def config(hub: FakeHub, **overrides: Any) -> HubConfig:
    values: dict[str, Any] = {"organizations": ["acme", "beta"], "endpoint": hub.url, "timeout": 5}
    return HubConfig(**(values | overrides))


def fetch(hub_config: HubConfig, **section: Any) -> SourceResult:
    return hf_source.fetch(hf_source.HuggingFaceSource(hub=hub_config, **section))


def rows(result: SourceResult) -> list[dict[str, Any]]:
    return [r.to_row() for r in result.records]


def by_id(result: SourceResult) -> dict[str, Any]:
    return {r.resource_id: r for r in result.records}


def parts(result: SourceResult) -> dict[str, str]:
    return {u.part: u.reason for u in result.unreadable}


def test_live_and_bundle_give_identical_records(hub: FakeHub, tmp_path: Path) -> None:
    populate(hub)
    live_config = config(hub)
    live = fetch(live_config)
    # Listings were paged: acme has 5 models in pages of 2, followed through the Link header.
    acme_pages = [r for r in hub.seen("/api/models") if r.query.get("author") == ["acme"]]
    assert [r.query.get("cursor") for r in acme_pages] == [None, ["2"], ["4"]]

    collection = collect_hub(live_config, tmp_path / "bundle", now=NOW)
    assert collection.failed == []
    offline = fetch(config(hub, bundle=tmp_path / "bundle"))

    assert rows(offline) == rows(live)
    assert len(live.records) == 9  # 6 models, 2 datasets, 1 referenced base model
    assert live.unreadable == offline.unreadable == []
    status = read_status(tmp_path / "bundle")
    assert status["organizations"]["acme"]["counts"]["written"] == {"model": 5, "dataset": 2}
    assert (tmp_path / "bundle/acme/models/acme%2Fchat-ft.json").is_file()
    assert "acme: ok, 5 models and 2 datasets" in collection.summary()


def test_classification_license_parameters_and_edges(hub: FakeHub) -> None:
    populate(hub)
    records = by_id(fetch(config(hub)))
    url = hub.url
    base, chat = records[f"{url}/acme/base-7b"], records[f"{url}/acme/chat-ft"]
    assert (base.asset_type, base.license_type, base.parameter_count) == (
        "foundation_model",
        "apache-2.0",
        "7.2B",
    )
    assert base.part == "hf-hub/acme/models/acme/base-7b"
    assert chat.asset_type == "fine_tuned_model"
    assert chat.license_type == "acme-model-license"
    assert {(d.resource_id, d.relation) for d in chat.dependencies} == {
        (f"{url}/acme/base-7b", "fine_tuned_from"),
        (f"{url}/datasets/acme/support-chats", "trained_on"),
    }
    assert chat.posture["hub"]["private"] is True
    assert records[f"{url}/acme/embed-small"].asset_type == "embedding_model"
    lora = records[f"{url}/acme/llama-lora"]
    assert lora.asset_type == "fine_tuned_model"
    assert lora.posture["hub"]["gated"] == "manual"
    # The external base gets a reference record, so the edge has a target; in-org bases don't.
    reference = records[f"{url}/meta-llama/Llama-3.1-8B"]
    assert reference.posture["reference_only"] is True
    assert reference.posture["referenced_by"] == [f"{url}/acme/llama-lora"]
    assert "reference_only" not in base.posture
    dataset = records[f"{url}/datasets/acme/support-chats"]
    assert (dataset.asset_type, dataset.license_type) == ("training_dataset", "cc-by-4.0")
    assert records[f"{url}/acme/legacy-classifier"].license_type == "mit"


def test_pickle_files_flagged_by_name_and_never_downloaded(hub: FakeHub) -> None:
    populate(hub)
    records = by_id(fetch(config(hub)))
    chat = records[f"{hub.url}/acme/chat-ft"].posture
    assert chat["pickle_files"] == ["pytorch_model.bin", "training_args.bin"]
    assert chat["pickle_files_analysed"] is False
    assert chat["has_safetensors"] is False
    legacy = records[f"{hub.url}/acme/legacy-classifier"].posture
    assert legacy["pickle_files"] == ["model.ckpt", "vocab.pkl", "weights.pt"]
    assert {f["file"]: f["format"] for f in legacy["model_files"]}["model.onnx"] == "onnx"
    assert records[f"{hub.url}/acme/base-7b"].posture["pickle_files"] == []
    dataset = records[f"{hub.url}/datasets/acme/support-chats"].posture
    assert dataset["pickle_files"] == ["index.pkl"]
    # Only API metadata was asked for: no file was downloaded.
    assert all(r.path.startswith("/api/") for r in hub.requests)
    assert not [r for r in hub.requests if "/resolve/" in r.path]


# Short enough to keep the suite quick, long enough that an ordinary answer on a loaded CI
# machine (two pytest workers beside DuckDB) never times out: at 0.5 s one did, and a fifth
# repo showed up as not collected.
TIMEOUT = 2.0
SLOW_DELAY = TIMEOUT + 1.0


def error_estate(hub: FakeHub) -> None:
    """acme: good repos plus one per failure; gated-org and denied-org cannot be listed."""
    populate(hub)
    for name in ("private-x", "gone", "flaky", "broken", "slow", "busy"):
        hub.add_model(f"acme/{name}", siblings=siblings("model.safetensors"))
    hub.add_model("gated-org/model", siblings=siblings("model.safetensors"))
    hub.add_model("denied-org/model", siblings=siblings("model.safetensors"))
    hub.fail(
        "/api/models/acme/private-x",
        Fault(401, b'{"error": "gated"}', {"X-Error-Code": "GatedRepo"}),
    )
    hub.fail("/api/models/acme/gone", Fault(404, b"{}", {"X-Error-Code": "RepoNotFound"}))
    hub.fail("/api/models/acme/flaky", Fault(500, b'{"error": "upstream failed for {auth}"}'))
    hub.fail("/api/models/acme/broken", Fault(200, b'{"id": "acme/broken", "siblings": ['))
    hub.fail("/api/models/acme/slow", Fault(200, b"{}", delay=SLOW_DELAY))
    hub.fail("/api/models?author=gated-org", Fault(401, b'{"error": "Invalid credentials"}'))
    hub.fail("/api/datasets?author=denied-org", Fault(403, b'{"error": "Forbidden"}'))


def arm_rate_limit(hub: FakeHub) -> None:
    hub.fail(
        "/api/models/acme/busy",
        Fault(429, b'{"error": "slow down"}', {"Retry-After": "1"}, times=1),
    )


ORGS = ["acme", "beta", "gated-org", "denied-org"]


def test_each_error_is_recorded_and_touches_only_its_org_or_repo(
    hub: FakeHub, tmp_path: Path
) -> None:
    error_estate(hub)
    arm_rate_limit(hub)
    cfg = config(hub, organizations=ORGS, timeout=TIMEOUT)
    live = fetch(cfg)
    got = parts(live)
    assert set(got) == {
        "hf-hub/gated-org",
        "hf-hub/denied-org",
        "hf-hub/acme/models/acme/private-x",
        "hf-hub/acme/models/acme/flaky",
        "hf-hub/acme/models/acme/broken",
        "hf-hub/acme/models/acme/slow",
    }
    assert got["hf-hub/gated-org"].startswith("HTTP 401")
    assert got["hf-hub/denied-org"].startswith("HTTP 403")
    assert "GatedRepo" in got["hf-hub/acme/models/acme/private-x"]
    assert got["hf-hub/acme/models/acme/flaky"].startswith("HTTP 500")
    assert "not JSON" in got["hf-hub/acme/models/acme/broken"]
    assert got["hf-hub/acme/models/acme/slow"] == f"timed out after {TIMEOUT:g}s"
    assert {r.location for r in live.rejections} == {u.location for u in live.unreadable}
    records = by_id(live)
    assert f"{hub.url}/acme/gone" not in records  # vanished: dropped, not kept stale
    assert f"{hub.url}/acme/busy" in records  # 429 retried after Retry-After
    busy = hub.seen("/api/models/acme/busy")
    assert len(busy) == 2 and busy[1].at - busy[0].at >= 0.9
    # The rest of acme and all of beta were read as usual.
    assert f"{hub.url}/acme/chat-ft" in records and f"{hub.url}/beta/tiny" in records
    assert not any(r.resource_id.startswith(f"{hub.url}/gated-org/") for r in live.records)

    # The bundle records the same failures and replays them: same records, same parts.
    arm_rate_limit(hub)
    collection = collect_hub(cfg, tmp_path / "bundle", now=NOW)
    assert sorted(collection.failed) == ["denied-org", "gated-org"]
    acme = read_status(tmp_path / "bundle")["organizations"]["acme"]
    assert acme["status"] == "partial"
    assert acme["vanished"] == [{"repo_type": "model", "repo_id": "acme/gone"}]
    assert len(acme["not_collected"]) == 4
    offline = fetch(config(hub, organizations=ORGS, bundle=tmp_path / "bundle"))
    assert rows(offline) == rows(live)
    assert parts(offline) == got


def test_rate_limit_beyond_the_bound_is_recorded_not_waited(hub: FakeHub) -> None:
    hub.add_model("acme/busy", siblings=siblings("model.safetensors"))
    hub.fail("/api/models/acme/busy", Fault(429, b"{}", {"Retry-After": "3600"}))
    result = extract_hub(LiveHubReader(hub.url, None, 5), ["acme"]).result
    assert result.records == []
    assert "HTTP 429" in parts(result)["hf-hub/acme/models/acme/busy"]
    assert len(hub.seen("/api/models/acme/busy")) == 1


def test_token_is_sent_as_bearer_and_never_recorded(
    hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    error_estate(hub)
    token = runtime_token()
    monkeypatch.setenv(TOKEN_ENV, token)
    cfg = config(hub, organizations=ORGS, timeout=TIMEOUT, token_env=TOKEN_ENV)
    live = fetch(cfg)
    api_calls = [r for r in hub.requests if r.path.startswith("/api/") and "harness" not in r.path]
    assert api_calls and {r.authorization for r in api_calls} == {f"Bearer {token}"}
    collection = collect_hub(cfg, tmp_path / "bundle", now=NOW)
    # The fake echoed the Authorization header in its 500 answer: it must not get through.
    flaky = parts(live)["hf-hub/acme/models/acme/flaky"]
    assert "upstream failed for Bearer ***" in flaky
    written = "".join(p.read_text() for p in (tmp_path / "bundle").rglob("*.json"))
    texts = [
        json.dumps([*rows(live), *(r.to_row() for r in live.rejections)], default=str),
        json.dumps([u.__dict__ for u in live.unreadable]),
        collection.summary(),
        written,
    ]
    assert all(token not in text for text in texts)


def test_without_token_env_no_authorization_is_sent(hub: FakeHub) -> None:
    populate(hub)
    fetch(config(hub))
    assert hub.seen("/api/agent-harnesses")  # the user-agent registry came from the fake
    assert {r.authorization for r in hub.seen("/api/models")} == {None}


def test_failed_org_keeps_its_previous_bundle_dir_and_stays_stale(
    hub: FakeHub, tmp_path: Path
) -> None:
    populate(hub)
    out = tmp_path / "bundle"
    cfg = config(hub)
    collect_hub(cfg, out, now=NOW)
    before = sorted(p.name for p in (out / "acme/models").iterdir())
    hub.fail("/api/models?author=acme", Fault(500, b'{"error": "down"}'))
    later = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
    collection = collect_hub(cfg.model_copy(update={"timeout": TIMEOUT}), out, now=later)
    assert collection.failed == ["acme"]
    assert "acme: FAILED" in collection.summary() and "previous data kept" in collection.summary()
    assert sorted(p.name for p in (out / "acme/models").iterdir()) == before
    status = read_status(out)["organizations"]
    assert status["acme"]["last_success_at"] == NOW.isoformat(timespec="seconds")
    assert status["beta"]["status"] == "ok"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp dirs left
    offline = fetch(config(hub, bundle=out))
    assert set(parts(offline)) == {"hf-hub/acme"}
    assert parts(offline)["hf-hub/acme"].startswith("HTTP 500")
    assert [r.name for r in offline.records] == ["beta/tiny"]


def write_bundle(out: Path, endpoint: str, infos: dict[str, dict[str, Any]], **status: Any) -> None:
    org = out / "acme"
    (org / "models").mkdir(parents=True)
    (org / "datasets").mkdir()
    (org / "models.json").write_text(json.dumps([{"id": i} for i in infos]))
    (org / "datasets.json").write_text("[]")
    for repo_id, info in infos.items():
        if info:
            (org / "models" / (repo_id.replace("/", "%2F") + ".json")).write_text(json.dumps(info))
    orgs = {"acme": {"status": "partial", **status}} if status else {}
    (out / "_collection.json").write_text(json.dumps({"endpoint": endpoint, "organizations": orgs}))


def local_fine_tune(root: Path) -> None:
    model = root / "team" / "clauses-ft"
    model.mkdir(parents=True)
    (model / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (model / "README.md").write_text("---\nbase_model: acme/base-7b\n---\nA fine-tune.\n")


def test_hub_record_is_the_target_of_a_local_fine_tune(tmp_path: Path) -> None:
    """Same id for the Hub repo and the disk scan's reference to it: one record, the real one."""
    local_fine_tune(tmp_path / "models")
    endpoint = "https://huggingface.co"
    write_bundle(tmp_path / "bundle", endpoint, {"acme/base-7b": {"id": "acme/base-7b"}})
    result = fetch(
        HubConfig(organizations=["acme"], bundle=tmp_path / "bundle"),
        model_dirs=[NamedPath(name="models", path=tmp_path / "models")],
    )
    records = by_id(result)
    base = records[f"{endpoint}/acme/base-7b"]
    assert "reference_only" not in base.posture and base.part == "hf-hub/acme/models/acme/base-7b"
    ft = records["hf-dir://models/team/clauses-ft"]
    assert [d.resource_id for d in ft.dependencies] == [f"{endpoint}/acme/base-7b"]
    assert [r.resource_id for r in result.records].count(f"{endpoint}/acme/base-7b") == 1


def test_unreadable_hub_repo_gets_no_reference_stub_from_the_disk_scan(tmp_path: Path) -> None:
    """A stub would replace the kept (stale) Hub row of that repo with reference-only data."""
    local_fine_tune(tmp_path / "models")
    denied = {
        "repo_type": "model",
        "repo_id": "acme/base-7b",
        "kind": "denied",
        "location": "GET https://huggingface.co/api/models/acme/base-7b",
        "reason": "HTTP 403 HfHubHTTPError",
        "status": 403,
    }
    write_bundle(
        tmp_path / "bundle",
        "https://huggingface.co",
        {"acme/base-7b": {}},
        not_collected=[denied],
    )
    result = fetch(
        HubConfig(organizations=["acme"], bundle=tmp_path / "bundle"),
        model_dirs=[NamedPath(name="models", path=tmp_path / "models")],
    )
    assert "https://huggingface.co/acme/base-7b" not in by_id(result)
    assert parts(result) == {"hf-hub/acme/models/acme/base-7b": "HTTP 403 HfHubHTTPError"}
    assert "hf-dir://models/team/clauses-ft" in by_id(result)


def test_bad_bundle_content_is_recorded_per_repo(tmp_path: Path) -> None:
    write_bundle(
        tmp_path / "bundle",
        "https://hub.example.test",
        {"acme/ok": {"id": "acme/ok"}, "acme/other": {"id": "acme/somebody-else"}, "acme/lost": {}},
    )
    (tmp_path / "bundle/acme/models.json").write_text(
        json.dumps(
            [{"id": "acme/ok"}, {"id": "acme/other"}, {"id": "acme/lost"}, {"id": "../x"}, 7]
        )
    )
    hub = extract_hub(HubBundleReader(tmp_path / "bundle", "https://unused.test"), ["acme"])
    assert [r.resource_id for r in hub.result.records] == ["https://hub.example.test/acme/ok"]
    assert set(parts(hub.result)) == {
        "hf-hub/acme/models/acme/other",
        "hf-hub/acme/models/acme/lost",
    }
    assert "acme/somebody-else" in parts(hub.result)["hf-hub/acme/models/acme/other"]
    assert "info file is missing" in parts(hub.result)["hf-hub/acme/models/acme/lost"]
    listing_rejections = [r for r in hub.result.rejections if r.location.endswith(("#3", "#4"))]
    assert len(listing_rejections) == 2


def test_whole_hub_unusable_keeps_the_disk_locations(tmp_path: Path) -> None:
    local_fine_tune(tmp_path / "models")
    section = {"model_dirs": [NamedPath(name="models", path=tmp_path / "models")]}
    result = fetch(HubConfig(organizations=["acme"], bundle=tmp_path / "missing"), **section)
    assert "hf-dir://models/team/clauses-ft" in by_id(result)
    assert parts(result) == {"hf-hub/acme": "bundle directory not found"}
    with pytest.raises(SourceUnavailable, match="hf-hub/acme"):
        fetch(HubConfig(organizations=["acme"], bundle=tmp_path / "missing"))


def test_preflight_names_the_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    section = hf_source.HuggingFaceSource(
        model_dirs=[NamedPath(name="hf-hub", path=tmp_path)],
        hub=HubConfig(organizations=["acme"], token_env=TOKEN_ENV),
    )
    problems = hf_source.preflight(section)
    assert any("'hf-hub' is reserved" in p for p in problems)
    assert any(f"environment variable {TOKEN_ENV} is not set" in p for p in problems)
    missing = hf_source.HuggingFaceSource(
        hub=HubConfig(organizations=["acme"], bundle=tmp_path / "nope")
    )
    assert hf_source.preflight(missing) == [
        f"sources.huggingface.hub.bundle: {tmp_path / 'nope'}: directory not found"
    ]


def test_config_validation(tmp_path: Path) -> None:
    section = parse_section(
        hf_source.HuggingFaceSource,
        {"hub": {"organizations": ["acme"], "bundle": "hub-bundle", "endpoint": "https://h.test/"}},
        file=tmp_path / "aisec.yaml",
        key="sources.huggingface",
    )
    assert section.hub is not None
    assert section.hub.bundle == (tmp_path / "hub-bundle").resolve()
    assert section.hub.endpoint == "https://h.test"
    token = runtime_token()
    with pytest.raises(ValidationError) as err:
        HubConfig(organizations=["acme"], token_env=token)
    assert "NAME of the environment variable" in str(err.value)
    with pytest.raises(ConfigError) as bad:
        parse_section(
            hf_source.HuggingFaceSource,
            {"hub": {"organizations": ["acme"], "token_env": token}},
            file=tmp_path / "aisec.yaml",
            key="sources.huggingface",
        )
    assert token not in str(bad.value)
    for bad_value in (
        {"organizations": []},
        {"organizations": ["a/b"]},
        {"organizations": ["x", "X"]},
    ):
        with pytest.raises(ValidationError):
            HubConfig(**bad_value)
    with pytest.raises(ValidationError):
        HubConfig(organizations=["acme"], endpoint="ftp://h.test")


def test_next_page_link_to_another_host_is_not_followed(hub: FakeHub) -> None:
    """The token goes with every page request: a Link away from the endpoint is refused."""
    elsewhere = '<http://127.0.0.2:9/api/models?author=acme&cursor=2>; rel="next"'
    hub.fail("/api/models?author=acme", Fault(200, b'[{"id": "acme/a"}]', {"Link": elsewhere}))
    result = extract_hub(LiveHubReader(hub.url, runtime_token(), 5), ["acme"]).result
    assert result.records == []
    assert "points away from the endpoint" in parts(result)["hf-hub/acme"]


def test_aisec_collect_hf_writes_the_bundle_the_bundle_path_reads(
    hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """`aisec collect hf --out DIR` on a config with a live hub section, then a config reading
    that bundle: the same records as reading the Hub live."""
    populate(hub)
    cfg = tmp_path / "aisec.yaml"
    cfg.write_text(
        "organisation: Test\nwarehouse: {path: wh.duckdb}\nsources:\n  huggingface:\n"
        f"    hub: {{organizations: [acme, beta], endpoint: '{hub.url}', timeout: 5}}\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("AISEC_CONFIG", raising=False)
    out = tmp_path / "collected"
    assert cli.main(["collect", "hf", "--config", str(cfg), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "organisation acme: ok" in printed.out
    assert "2/2 written to" in printed.out
    live = fetch(config(hub))
    offline = fetch(config(hub, bundle=out))
    assert rows(offline) == rows(live) and len(live.records) == 9
    # Only one organisation, by --key; a live section is required.
    assert (
        cli.main(
            ["collect", "hf", "--config", str(cfg), "--out", str(tmp_path / "one"), "--key", "beta"]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "one").iterdir() if p.is_dir()) == ["beta"]
    assert cli.main(["collect", "hf", "--config", str(cfg)]) == 2
    assert "give `--out DIR`" in capsys.readouterr().err

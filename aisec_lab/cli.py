"""The classifier lab's command line:

    python -m aisec_lab train       # retrain -> classifier/tier2_model/ (deterministic)
    python -m aisec_lab evaluate    # -> benchmarks/out/tier2_quality.json
    python -m aisec_lab evaluate --generalization   # + leave-one-source-out
    python -m aisec_lab compare     # candidates A vs B -> benchmarks/out/tier2_compare.json
    python -m aisec_lab quality     # the detection-quality harness (= python -m aisec_lab.quality)
    python -m aisec_lab loso        # the headline: leave-one-source-out (= aisec_lab.loso)
    python -m aisec_lab charlm      # the adversarial-suffix character model (= aisec_lab.charlm)
    python -m aisec_lab encoder-loso  # model tier choice: A vs B, leave-one-source-out

`train` writes the shipped model into the source tree's runtime package
(`aisec_assets/monitoring/classifier/tier2_model/`, `--model-dir` to write elsewhere): the same
corpora give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from aisec_assets.monitoring.classifier.model import MODEL_DIR, Tier2Model
from aisec_lab import charlm, corpora, encoder_loso, loso, quality
from aisec_lab.corpora import BENIGN
from aisec_lab.encoder import compare_candidates
from aisec_lab.evaluate import DEFAULT_OUT, evaluate, format_summary
from aisec_lab.train import train_model


def shipped_training_extra(
    items: Sequence[corpora.CorpusItem], cache_dir: Path | None
) -> list[corpora.CorpusItem]:
    """The third-party items `load_corpora` does not hold, of training sources only."""
    present = {i["source"] for i in items}
    return [
        i
        for i in corpora.third_party_corpora(cache_dir)
        if i["source"] not in present and i["source"] not in corpora.EVAL_ONLY_SOURCES
    ]


# ======================================================================== command line
def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["quality"]:
        return quality.main(args_in[1:])
    if args_in[:1] == ["loso"]:
        return loso.main(args_in[1:])
    if args_in[:1] == ["encoder-loso"]:
        return encoder_loso.main(args_in[1:])
    if args_in[:1] == ["charlm"]:
        return charlm.main(args_in[1:])
    parser = argparse.ArgumentParser(
        prog="python -m aisec_lab", description="Train, evaluate and compare the classifier."
    )
    parser.add_argument("command", choices=("train", "evaluate", "compare", "quality", "loso"))
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--cache-dir", type=Path, default=None, help="registry download cache")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report JSON (evaluate)")
    parser.add_argument(
        "--generalization", action="store_true", help="evaluate: add leave-one-source-out"
    )
    parser.add_argument("--no-tier1", action="store_true", help="evaluate: skip the SQL tier")
    args = parser.parse_args(args_in)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        items = corpora.load_corpora(cache_dir=args.cache_dir)
    except corpora.CorpusUnavailable as exc:
        print(f"cannot load the corpora: {exc}", file=sys.stderr)
        return 2
    if args.command == "train":
        # The shipped model is the leave-one-source-out recipe's model fitted with nothing left
        # out: every training source, third-party ones included (evaluation-only ones never).
        try:
            extra = shipped_training_extra(items, args.cache_dir)
        except corpora.CorpusUnavailable as exc:
            print(f"cannot load the third-party corpora: {exc}", file=sys.stderr)
            return 2
        model = train_model([*items, *extra], log=log)
        model.save(args.model_dir)
        print(f"wrote {args.model_dir} ({model.version}, threshold {model.threshold:.4f})")
        return 0
    if args.command == "compare":
        result = compare_candidates(items, args.cache_dir, log=log)
        out = args.out.with_name("tier2_compare.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        for name, r in result.items():
            print(f"{name}: threshold {r['threshold']:.4f}, {r['texts_per_second']} texts/s")
            for source, m in r["heldout"].items():
                rate = m.get("false_positive_rate", m.get("recall"))
                print(
                    f"  {source:34} held-out {'FP' if m['label'] == BENIGN else 'recall':6} "
                    f"{'n/a' if rate is None else f'{rate:.1%}':>7}   left out: "
                    f"{r['leave_one_source_out'][source]:.1%}"
                )
        print(f"\nwritten: {out}")
        return 0
    model = Tier2Model.load(args.model_dir)
    report = evaluate(
        items, model, with_tier1=not args.no_tier1, generalization=args.generalization, log=log
    )
    print(format_summary(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0

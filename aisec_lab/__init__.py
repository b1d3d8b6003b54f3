"""The lab: offline tooling that measures and builds the product, kept apart from the product.

What lives here is run by a person at a desk or by CI as a benchmark, never by the code
location: the labelled corpora (`corpora`: generated and third-party, the split), training
(`train`, `logistic`), calibration (`calibrate`), evaluation (`evaluate`), the
detection-quality harness (`quality`), and the experiments that were measured but not shipped
(`encoder`: the numpy MiniLM sentence encoder, candidate B of the classifier).

Why a top-level package, above the product rather than inside a pillar:

- **It is a client of the runtime.** Training produces the classifier that
  `aisec_assets.monitoring.classifier` loads; the quality harness drives the production
  detection path (`store.write_source_day` -> `detect.run_detections`) on a temporary
  warehouse. The lab imports `aisec_assets` and `aisec_resources`, and the demo company's
  synthetic text (`aisec_jobs.demo_estate.text`, the generators the demo traffic speaks with,
  which the corpora label). So it sits on top of the layers:
  `aisec_lab -> aisec_jobs -> aisec_assets -> aisec_resources`.
- **Nothing in the product imports it** (`aisec_resources`, `aisec_assets`, `aisec_jobs`;
  enforced by the import contracts in pyproject.toml). The runtime therefore never pulls in
  what the lab needs: `pip download` shell-outs, network fetches of registry wheels, YAML and
  `ast` readers of third-party code, training loops, a BERT forward pass. Scoring needs numpy
  and the shipped weights, nothing else.
- **Inside a pillar it would close loops.** Measuring detection needs the detector, and the
  detector needs the classifier; when training and the harness lived next to the scorer, the
  scorer, the trainer, the harness and the detection run formed one import cycle hidden behind
  function-local imports. Above the product, every arrow points down.

Commands: `python -m aisec_lab train|evaluate [--generalization]|compare|quality`
(`aisec_lab.cli`), and `python -m aisec_lab.quality`.
"""

"""The demo estate's offline Azure bundle: Kestrel Dynamics' Azure OpenAI / AI Services estate.

`write_bundle` writes ARM list responses (api-version 2025-09-01, one merged page each) in the
layout `aisec_assets.discovery.azure.AzureBundleReader` reads, and returns the declared-registry
entries for the deployments the teams declared. The estate is realistic rather than tidy:

- `kd-cx-openai-prod` (OpenAI): wide open - public network access, ACL default Allow, API keys
  allowed; one deployment runs a custom low-friction content filter (annotate-only,
  asynchronous, jailbreak shield off).
- `kd-health-aoai-prod` (OpenAI): locked down - public access disabled, an approved private
  endpoint, Entra ID only, customer-managed key, outbound access restricted, a strict custom
  content filter.
- `kd-fraud-ai-prod` (AIServices): public access with default action Deny, two IP rules and a
  subnet rule; its `data-classification` tag holds a value outside the vocabulary.
- `kd-research-sandbox` (AIServices, sandbox subscription): open, keys allowed, nothing in it
  declared (shadow AI).
- `kd-docintel-prod` (FormRecognizer): not an AI-model account; discovery must skip it.

Same `as_of` and rng state give the same bytes.

Where things are: `estate` (the accounts and deployments, as data) and `bundle` (their ARM
responses and `write_bundle`).
"""

from aisec_jobs.demo_estate.azure.bundle import API_VERSION, write_bundle

__all__ = ["API_VERSION", "write_bundle"]

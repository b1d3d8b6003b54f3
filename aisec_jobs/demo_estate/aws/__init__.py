"""The demo estate's offline AWS bundle: Kestrel Dynamics' Bedrock, Bedrock Agents and SageMaker.

`write_bundle` writes API responses in the layout `aisec_assets.discovery.aws` documents, for the
accounts in `company.AWS_ACCOUNTS`, and returns the declared-registry entries for the AWS
resources the teams declared. The estate mixes good and bad posture on purpose:

- production us-east-1 logs model invocations; eu-west-1 has a logging config with every data
  type switched off; the development account has none;
- a customer-support agent behind a strong, published guardrail, a fraud-triage agent behind a
  weak one, a claims-intake agent behind a guardrail that only exists as a DRAFT, and a sandbox
  agent with no guardrail, a shell-like tool and an invalid environment tag;
- a knowledge base over an S3 bucket of customer tickets (PII), another over clinical policies;
- two custom models (one with KMS and a VPC, one with neither), a provisioned throughput, an
  imported model;
- SageMaker: a Hugging Face model with no VPC, no network isolation and a Hub token in its
  environment; a well-configured clinical endpoint; a JumpStart endpoint whose data capture is
  configured but stopped.

Where things are: `bundle` (the writer, accounts, model ids), `bedrock`, `bedrock_agents` and
`sagemaker` (the responses of each service), `registry_entries` (what the teams declared) and
`estate` (`write_bundle`, which puts them together).
"""

from aisec_jobs.demo_estate.aws.estate import write_bundle

__all__ = ["write_bundle"]

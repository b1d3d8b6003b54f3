"""Framework libraries (package data): one YAML per framework, requirement ids and titles."""

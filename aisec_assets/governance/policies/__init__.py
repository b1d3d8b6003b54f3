"""Policy templates (Markdown, `string.Template` placeholders), shipped as package data."""

"""Search across the portal: Vietnamese text, index documents, engines, the search page (see docs/architecture.md)."""

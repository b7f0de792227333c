"""Search across the portal: Vietnamese text, index documents, engines, the search page (see DESIGN.md)."""

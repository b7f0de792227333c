"""Everything about audio and video files, and nothing about pages (see docs/architecture.md)."""

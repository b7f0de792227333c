"""Date formats that override Django's per-language ones (FORMAT_MODULE_PATH).

Vietnam writes dates day first. Django's Vietnamese locale gives no input formats, so "05/09/2026"
typed in a form would be read the American way, as 9 May. In both languages the portal reads and
writes day first, the way its users write dates.
"""

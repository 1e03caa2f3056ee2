"""The demo and the benchmark's data: seeding a realistic organisation, and the demo outbox.

Installed by the local and test settings only, never by production's (ADR 0038): no other app
imports it, and under production settings neither `seed_demo` nor `/demo/outbox/` exists.
"""

"""The Relhealth benchmark (`make bench`): see bench/run.py."""

"""Reporting: roll-ups computed when a round closes, scores under the anonymity rules, dashboards."""

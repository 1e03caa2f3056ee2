"""Collection: the question bank, surveys, rounds, participation, unlinkable responses, and the email ledger."""

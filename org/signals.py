"""What the organisation tells the apps that depend on it (org imports no other app).

- `sign_in_link_wanted(people, purpose)`: these people should get an email with a single-use link
  to set their password ("invitation") or to reset it ("reset"). The collection side's email
  ledger writes and sends it (checkins.services.access_emails). Sent inside the transaction that
  made the change, so a rolled-back import or dry run writes no email.
- `access_ended(person_ids)`: these people's sessions, tokens and links from before are void
  (their `auth_version` was raised); the API marks their tokens revoked.
"""

from django.dispatch import Signal

sign_in_link_wanted = Signal()
access_ended = Signal()

INVITATION = "invitation"
RESET = "reset"

"""SMS for the local GupShup: a transactional outbox, and the senders that deliver it."""

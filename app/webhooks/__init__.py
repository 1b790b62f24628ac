"""Webhooks: subscriptions, the transactional outbox and the delivery worker."""

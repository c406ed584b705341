"""Outbound notifications: subscriptions, an outbox of deliveries written in the transaction of
what happened, and a sender that delivers them at least once, with retries and back-off."""

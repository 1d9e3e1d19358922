"""Background work: the Celery app, beat's sweep and the notification senders (thin task wrappers)."""

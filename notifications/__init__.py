"""Notifications: message templates (id, en), rendering, and delivery through Apprise.

``notifications.render`` turns plain booking facts into an SMS, a WhatsApp text or an e-mail (subject,
plain text, HTML, .ics); ``notifications.delivery`` sends one through the Apprise URL of its channel and
says whether a failure is worth retrying; ``notifications.outbox_plugin`` is the ``outbox://`` Apprise
plugin that writes messages to a folder for the embedded default. Nothing here knows of the database,
HTTP or Celery, and nothing imports ``booking`` or ``workers``.
"""

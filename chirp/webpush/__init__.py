"""Web Push out of Chirp: the VAPID identity (`vapid`), the encrypted, signed request to a push
service (`sender`, with pywebpush/http-ece/py-vapid doing the cryptography) and the dispatcher
steps that send each queued push (`delivery`). Which pushes are due: `chirp.core.web_push`."""

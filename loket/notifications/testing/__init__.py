"""Protocol peers for the notification channel tests, all on 127.0.0.1 with ephemeral ports: an SMPP
SMSC (``smsc_server``: the npm ``smpp`` package's server run by ``node``), an HTTP SMS/WhatsApp
gateway (``http_gateway``: stdlib) and an SMTP server (``smtp_server``: aiosmtpd). Never for
production."""

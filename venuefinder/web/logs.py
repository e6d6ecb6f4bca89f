"""Secrets kept out of the servers' access logs.

Edit and cancel links carry their token in the query string (``/s/<slug>/edit?token=…``,
``…/cancel?token=…``): the link is the secret, and it must keep working as given out. Every
access log line therefore has the value of each secret parameter (:data:`SECRET_PARAMETERS`,
its name matched as the server decodes it: ``%74oken`` too) replaced by
:data:`REDACTED`, wherever the line carries a URL (the request line, the query, a
Referer: a page opened from an edit link sends it with its assets' requests):

* ``venuefinder serve`` (werkzeug): :func:`install_werkzeug_filter` puts
  :class:`RedactSecrets` on the ``werkzeug`` logger, through which its server logs each
  request;
* gunicorn: the production config's ``logger_class``
  (:class:`venuefinder.web.gunicorn_conf.RedactingLogger`) redacts every atom of the
  access-log format with :func:`redact_secrets`.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

#: Query parameters whose values are secrets (the pages' ``token``; the JSON members'
#: names, should a client put them in a URL).
SECRET_PARAMETERS = frozenset({"token", "edit_token", "cancel_token"})
#: What a log line shows instead of a secret.
REDACTED = "[redacted]"

# A query parameter in a URL or a query string alone (gunicorn's ``%(q)s``): its name, then
# its value up to the next one, the fragment, a space or a quote.
_PARAMETER = re.compile(r"(^|[?&;\s\"'])([^=&;#?\s\"']*)=([^&;#\s\"']*)")


def redact_secrets(text: str) -> str:
    """*text* with the value of every secret query parameter replaced by
    :data:`REDACTED`."""
    def replace(match: re.Match) -> str:
        name = unquote_plus(match.group(2)).strip().lower()
        if name not in SECRET_PARAMETERS:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}={REDACTED}"

    return _PARAMETER.sub(replace, text) if "=" in text else text


class RedactSecrets(logging.Filter):
    """A log record's message with its secrets redacted (formatted here, once)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_werkzeug_filter() -> None:
    """Redact the access log of werkzeug's server (``venuefinder serve``); once per
    process."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())

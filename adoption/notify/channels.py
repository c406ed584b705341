"""Where a message goes and how: e-mail over SMTP, chat through apprise, a signed webhook.

Three kinds of channel URL:

- `mailto:ann@example.com` (one or more addresses, comma-separated): sent by our own SMTP client
  (stdlib smtplib) through UPTAKE_SMTP_URL, from UPTAKE_MAIL_FROM;
- `http://…`, `https://…`: the generic webhook, a JSON POST signed with the subscription's secret
  (HMAC-SHA256 over "<timestamp>.<body>", docs/integrations.md "Notifications");
- any other scheme apprise speaks (`slack://`, `workflows://` (Microsoft Teams), `dingtalk://`, `feishu://`,
  `lark://`, `wecombot://`, `mailto://` with its own server, …): apprise sends it, so the chat
  services' formats are kept by a maintained library, not by us.

Every send has a timeout (per socket read: the sender's `send_within` bounds the whole send)
and returns a `Sent` (never raises for a channel's failure), so the sender records each attempt
the same way. A channel URL carries credentials (tokens, passwords):
`redact` is what lists, the API and logs show.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from adoption.errors import Invalid

EMAIL, WEBHOOK, APPRISE = "email", "webhook", "apprise"
CHANNEL_RULE = (
    "Not a channel: use mailto:address, http(s)://host/path (a signed webhook) or a URL apprise "
    "speaks (slack://, workflows:// for Teams, dingtalk://, feishu://, lark://, wecombot://, …)."
)
SECRET_RULE = "A secret signs a generic webhook: give one only with an http(s) channel."
USER_AGENT = "Uptake-Notify/1"


@dataclass(frozen=True)
class Sent:
    ok: bool
    status_code: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Message:
    event: str
    delivery_id: int | None  # None for a test message
    subject: str
    body: str
    payload: dict


@dataclass(frozen=True)
class Mailer:
    """UPTAKE_SMTP_URL (`smtp://user:pass@host:port?starttls=1`, `smtps://…`) and the sender."""

    url: str | None
    sender: str = "uptake@localhost"


def kind_of(channel: str) -> str:
    """The kind of a channel URL (EMAIL, WEBHOOK or APPRISE); Invalid naming `channel` when it
    is none of them."""
    text = channel.strip()
    lower = text.lower()
    if lower.startswith(("http://", "https://")):
        if not urlsplit(text).hostname:
            raise Invalid({"channel": [CHANNEL_RULE]})
        return WEBHOOK
    if lower.startswith("mailto:") and not lower.startswith("mailto://"):
        if not mail_recipients(text):
            raise Invalid({"channel": [CHANNEL_RULE]})
        return EMAIL
    if "://" in text and _apprise_plugin(text) is not None:
        return APPRISE
    raise Invalid({"channel": [CHANNEL_RULE]})


def _apprise_plugin(url: str):
    """apprise's sender for the URL, or None. Imported here: loading apprise's plugins takes a
    fraction of a second that every command and worker importing the outbox would pay."""
    import apprise

    return apprise.Apprise.instantiate(url, suppress_exceptions=True)


def check_channel(channel: str, secret: str | None) -> str:
    """The channel's kind, after checking it and that a secret goes only with a webhook."""
    kind = kind_of(channel)
    if secret is not None and kind != WEBHOOK:
        raise Invalid({"secret": [SECRET_RULE]})
    return kind


def mail_recipients(channel: str) -> list[str]:
    """The addresses of `mailto:a@x,b@y` (empty when one is not an address)."""
    addresses = [unquote(a).strip() for a in channel[len("mailto:") :].split("?")[0].split(",")]
    good = [a for a in addresses if a.count("@") == 1 and " " not in a and a.split("@")[1]]
    return good if good and len(good) == len(addresses) else []


def redact(channel: str) -> str:
    """What may be shown of a channel: scheme and host of a webhook, the domains of an e-mail,
    only the scheme of a chat URL (their tokens sit in the host and path)."""
    text = channel.strip()
    lower = text.lower()
    if lower.startswith(("http://", "https://")):
        parts = urlsplit(text)
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme.lower()}://{parts.hostname}{port}/…"
    if lower.startswith("mailto:") and not lower.startswith("mailto://"):
        domains = [a.split("@")[-1] for a in mail_recipients(text)] or ["…"]
        return "mailto:" + ",".join(f"…@{d}" for d in domains)
    return text.split("://", 1)[0].lower() + "://…"


def send(
    channel: str,
    secret: str | None,
    message: Message,
    *,
    mailer: Mailer,
    timeout: float,
    now: float | None = None,
) -> Sent:
    """Send one message; a failure of the channel is a `Sent(ok=False)`, never an exception."""
    try:
        kind = kind_of(channel)
        if kind == WEBHOOK:
            return post_webhook(channel, secret, message, timeout=timeout, now=now)
        if kind == EMAIL:
            return send_mail(channel, message, mailer=mailer, timeout=timeout)
        return send_apprise(channel, message, timeout=timeout)
    except Exception as exc:  # a channel's failure is an attempt's outcome, not the job's
        return Sent(False, None, _error(exc))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 with the secret over "<timestamp>.<body>"."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_body(message: Message) -> bytes:
    return json.dumps(
        {
            "event": message.event,
            "delivery": message.delivery_id,
            "subject": message.subject,
            "text": message.body,
            "data": message.payload,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    ).encode()


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered, not followed: urllib would turn the POST into a GET on 301, 302
    and 303 and carry the signature headers to wherever the receiver points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError


def post_webhook(
    url: str, secret: str | None, message: Message, *, timeout: float, now: float | None = None
) -> Sent:
    """POST the message as JSON; signed when the subscription has a secret. 2xx is delivered;
    anything else (another status, a redirect, a timeout, a refused connection) is a failed
    attempt."""
    body = webhook_body(message)
    timestamp = str(int(time.time() if now is None else now))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Uptake-Event": message.event,
        "X-Uptake-Delivery": "test" if message.delivery_id is None else str(message.delivery_id),
        "X-Uptake-Timestamp": timestamp,
    }
    if secret:
        headers["X-Uptake-Signature"] = signature(secret, timestamp, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(_RefuseRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        moved = " (redirects are not followed)" if 300 <= exc.code < 400 else ""
        return Sent(False, exc.code, f"HTTP {exc.code} {exc.reason}{moved}"[:500])
    except (urllib.error.URLError, OSError) as exc:
        return Sent(False, None, _error(exc))
    if 200 <= status < 300:
        return Sent(True, status)
    return Sent(False, status, f"HTTP {status}")


def send_mail(channel: str, message: Message, *, mailer: Mailer, timeout: float) -> Sent:
    """One e-mail to the channel's addresses through UPTAKE_SMTP_URL. Delivered when the server
    took it for at least one recipient (a retry would send it again to those): the ones it
    refused are noted in the attempt's error. Refused for all, it is a failed attempt."""
    if not mailer.url:
        return Sent(False, None, "UPTAKE_SMTP_URL is not set: no e-mail can be sent.")
    server = urlsplit(mailer.url)
    options = {k: v[-1] for k, v in parse_qs(server.query).items()}
    email = EmailMessage()
    email["From"] = formataddr(("Uptake", mailer.sender))
    email["To"] = ", ".join(mail_recipients(channel))
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=mailer.sender.split("@")[-1] or None)
    if message.delivery_id is not None:
        email["X-Uptake-Delivery"] = str(message.delivery_id)
    email["X-Uptake-Event"] = message.event
    email.set_content(message.body)
    secure = server.scheme.lower() == "smtps"
    port = server.port or (465 if secure else 25)
    client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with client_class(server.hostname or "localhost", port, timeout=timeout) as client:
        if options.get("starttls", "0").lower() in {"1", "true", "on"}:
            client.starttls(context=ssl.create_default_context())
        if server.username:
            client.login(unquote(server.username), unquote(server.password or ""))
        refused = client.send_message(email)
    if refused:  # some recipients only: for all, smtplib raises SMTPRecipientsRefused
        noted = ", ".join(f"{a} ({refused[a][0]})" for a in sorted(refused))
        return Sent(True, 250, f"Refused recipients: {noted}"[:500])
    return Sent(True, 250)


def send_apprise(channel: str, message: Message, *, timeout: float) -> Sent:
    """Send through apprise (chat services); it reports only whether it went through."""
    import apprise

    notifier = apprise.Apprise()
    plugin = _apprise_plugin(channel)
    if plugin is None:
        return Sent(False, None, CHANNEL_RULE)
    for name in ("socket_connect_timeout", "socket_read_timeout"):
        if hasattr(plugin, name):
            setattr(plugin, name, timeout)
    notifier.add(plugin)
    ok = notifier.notify(title=message.subject, body=message.body)
    return Sent(bool(ok), None, None if ok else "apprise could not deliver the message")


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]

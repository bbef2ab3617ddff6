"""A rendered report sent by email through the province's own SMTP server.

`send_report` builds one message (subject and body in UTF-8, the report as an
attachment with its file name and media type) and hands it to the server in
lib.core.settings.smtp() (plain, STARTTLS or implicit TLS; login when a user is
set; 30 s timeout). Whatever goes wrong is a `MailError` with the reason in
Thai and English; the password never appears in one. `check_addresses` is the
one rule for a recipient's address.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from lib.core import settings
from lib.core.i18n import InputError, LocalizedError
from lib.reports.build import Report

TIMEOUT_S = 30
MAX_RECIPIENTS = 50
MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit on a forward path


class MailError(LocalizedError):
    """A report that could not be sent, with the reason in Thai and English.

    refused: the addresses the server did not take; delivered: those it took
    (non-empty only when some recipients got the message and others did not).
    """

    def __init__(
        self,
        message_th: str,
        message_en: str,
        refused: tuple[str, ...] = (),
        delivered: tuple[str, ...] = (),
    ):
        super().__init__(message_th, message_en)
        self.refused = tuple(refused)
        self.delivered = tuple(delivered)


def check_addresses(addresses: list[str] | str) -> list[str]:
    """The recipients' addresses, trimmed and without repeats; InputError naming a bad one.

    The rule, kept simple on purpose: an address is ``local@domain`` in ASCII,
    with exactly one ``@``, something before it, a domain with a dot and no
    empty part, no spaces, commas, semicolons or display name (what
    ``email.utils.parseaddr`` reads back unchanged), at most 254 characters.
    A repeat (ignoring case) is dropped; 1 to 50 addresses.

    >>> check_addresses([" pto@rayong.go.th", "gov@moi.go.th", "PTO@rayong.go.th"])
    ['pto@rayong.go.th', 'gov@moi.go.th']
    """
    items = [addresses] if isinstance(addresses, str) else list(addresses or ())
    kept: dict[str, str] = {}
    for item in items:
        address = str(item).strip()
        if not _is_address(address):
            raise InputError(
                f"ที่อยู่อีเมล '{address}' ใช้ไม่ได้: ต้องเป็น ชื่อ@โดเมน (ตัวอักษรภาษาอังกฤษ "
                "โดเมนมีจุด ไม่มีช่องว่างหรือจุลภาค) หนึ่งที่อยู่ต่อหนึ่งช่อง",
                f"the email address '{address}' is not usable: give local@domain (ASCII, "
                "a dot in the domain, no spaces or commas), one address per entry",
            )
        kept.setdefault(address.lower(), address)
    if not kept:
        raise InputError("ต้องระบุผู้รับอย่างน้อยหนึ่งที่อยู่", "give at least one recipient")
    if len(kept) > MAX_RECIPIENTS:
        raise InputError(
            f"ผู้รับมากเกินไป ({len(kept)} ที่อยู่ สูงสุด {MAX_RECIPIENTS})",
            f"too many recipients ({len(kept)}; at most {MAX_RECIPIENTS})",
        )
    return list(kept.values())


def _is_address(address: str) -> bool:
    """True when `address` follows check_addresses' rule."""
    if not address or len(address) > MAX_ADDRESS_LENGTH or not address.isascii():
        return False
    if any(c.isspace() or c in ',;<>"()[]\\' for c in address):
        return False
    if parseaddr(address) != ("", address) or address.count("@") != 1:
        return False
    local, _, domain = address.partition("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)


def build_message(
    report: Report, sender: str, to: list[str], subject: str, body: str
) -> EmailMessage:
    """The message: UTF-8 subject and body, the report attached under its file name."""
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())  # one line: no header injection
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    maintype, _, subtype = report.media_type.partition("/")
    message.add_attachment(
        report.data, maintype=maintype, subtype=subtype, filename=report.file_name
    )
    return message


def send_report(
    report: Report,
    to: list[str],
    subject: str,
    body: str,
    smtp: settings.SmtpSettings | None = None,
) -> None:
    """Email a report to `to` through `smtp` (default: settings.smtp()).

    MailError (Thai and English) when no server is configured, the connection is
    refused or times out, TLS or the login fails, or the server refuses the
    sender or recipients (some delivered, some refused: MailError with both
    lists); InputError for a bad address.
    """
    config = smtp or _configured()
    recipients = check_addresses(to)
    message = build_message(report, config.sender, recipients, subject, body)
    refused = _deliver(config, message, recipients)
    if refused:
        delivered = tuple(a for a in recipients if a not in refused)
        shown = ", ".join(sorted(refused))
        raise MailError(
            f"ส่งถึง {', '.join(delivered)} แล้ว แต่เซิร์ฟเวอร์อีเมลไม่รับผู้รับ: {shown}",
            f"sent to {', '.join(delivered)}, but the SMTP server refused: {shown}",
            refused=tuple(sorted(refused)),
            delivered=delivered,
        )


def _configured() -> settings.SmtpSettings:
    """settings.smtp(), or MailError when no server is set (or its port is not a number)."""
    try:
        config = settings.smtp()
    except ValueError as exc:
        raise MailError(f"ตั้งค่าเซิร์ฟเวอร์อีเมลไม่ถูกต้อง: {exc}", str(exc)) from exc
    if config is None:
        raise MailError(
            f"ยังไม่ได้ตั้งค่าเซิร์ฟเวอร์อีเมล ({settings.SMTP_HOST_ENV}) จึงส่งรายงานทางอีเมลไม่ได้",
            f"no SMTP server is configured ({settings.SMTP_HOST_ENV}): reports cannot be emailed",
        )
    return config


def _deliver(config: settings.SmtpSettings, message: EmailMessage, to: list[str]) -> dict:
    """Hand the message to the server; the recipients it refused (when it took some)."""
    try:
        if config.ssl:
            server = smtplib.SMTP_SSL(
                config.host, config.port, timeout=TIMEOUT_S, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_S)
        with server:
            if config.starttls and not config.ssl:
                server.starttls(context=ssl.create_default_context())
            if config.user:
                server.login(config.user, config.password or "")
            return server.send_message(message, from_addr=config.sender, to_addrs=to)
    except (smtplib.SMTPException, OSError) as exc:
        th, en = _reason(exc, config)
        refused = getattr(exc, "recipients", None) or {}
        raise MailError(th, en, refused=tuple(sorted(refused))) from None


def _reason(exc: BaseException, config: settings.SmtpSettings) -> tuple[str, str]:
    """Why a send failed, in Thai and English (never the password)."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        names = f"{settings.SMTP_USER_ENV}, {settings.SMTP_PASSWORD_ENV}"
        return (
            f"เซิร์ฟเวอร์อีเมล {where} ไม่รับชื่อผู้ใช้หรือรหัสผ่าน (ตรวจ {names})",
            f"the SMTP server {where} refused the user name or password (check {names})",
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        shown = ", ".join(sorted(exc.recipients))
        return (f"เซิร์ฟเวอร์อีเมลไม่รับผู้รับ: {shown}", f"the SMTP server refused: {shown}")
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return (
            f"เซิร์ฟเวอร์อีเมลไม่รับผู้ส่ง {config.sender} (ตรวจ {settings.SMTP_FROM_ENV})",
            f"the SMTP server refused the sender {config.sender} ({settings.SMTP_FROM_ENV})",
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if exc.smtp_error else ""
        return (
            f"เซิร์ฟเวอร์อีเมล {where} ตอบปฏิเสธ ({exc.smtp_code}): {text}",
            f"the SMTP server {where} answered {exc.smtp_code}: {text}",
        )
    if isinstance(exc, smtplib.SMTPException):  # not supported, disconnected
        return (f"ส่งอีเมลผ่าน {where} ไม่สำเร็จ: {exc}", f"sending through {where} failed: {exc}")
    if isinstance(exc, ssl.SSLError):
        return (
            f"เชื่อมต่อแบบเข้ารหัส (TLS) กับเซิร์ฟเวอร์อีเมล {where} ไม่สำเร็จ: {exc.reason}",
            f"the TLS connection to the SMTP server {where} failed: {exc.reason}",
        )
    if isinstance(exc, ConnectionRefusedError):
        return (
            f"เซิร์ฟเวอร์อีเมล {where} ปฏิเสธการเชื่อมต่อ (ไม่มีบริการที่พอร์ตนี้ หรือถูกไฟร์วอลล์กั้น)",
            f"the SMTP server {where} refused the connection (nothing listens there, "
            "or a firewall blocks it)",
        )
    if isinstance(exc, TimeoutError):
        return (
            f"เซิร์ฟเวอร์อีเมล {where} ไม่ตอบภายใน {TIMEOUT_S} วินาที",
            f"the SMTP server {where} did not answer within {TIMEOUT_S} s",
        )
    if isinstance(exc, socket.gaierror):
        return (f"ไม่พบเซิร์ฟเวอร์อีเมลชื่อ {config.host}", f"no SMTP server named {config.host}")
    reason = getattr(exc, "strerror", None) or str(exc)
    return (
        f"เชื่อมต่อเซิร์ฟเวอร์อีเมล {where} ไม่ได้: {reason}",
        f"cannot reach the SMTP server {where}: {reason}",
    )

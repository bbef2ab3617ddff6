"""Reports by email (lib.reports.mail) through a real SMTP server on loopback (aiosmtpd):
the Thai subject and body, the attachment's name and exact bytes, the Thai reason of each
failure (no server set, connection refused, refused recipients, wrong password), the one
address rule, and the SMTP settings read from the environment."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest

from lib.core import settings
from lib.core.i18n import InputError
from lib.reports.build import Report
from lib.reports.mail import MailError, check_addresses, send_report

SENDER = "eis@rayong.go.th"
SUBJECT = "รายงานความครอบคลุมข้อมูล: ระยอง ปีงบประมาณ 2570 รอบ 6 เดือน"
BODY = "เรียน ผู้เกี่ยวข้อง\n\nขอส่งรายงานตามไฟล์แนบ\n"
REFUSED_DOMAIN = "refused.example.org"  # the test server refuses every mailbox here
PDF = Report(
    b"%PDF-1.7\n" + bytes(range(256)) * 64 + "ไทย\r\n.\r\n".encode(),  # every byte value
    "coverage-21-2570-6.pdf",
    "application/pdf",
)


def free_port() -> int:
    """A loopback port nothing listens on (bound, read and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every envelope and refuses mailboxes at REFUSED_DOMAIN."""

    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class Server:
    """A running loopback SMTP server: its inbox and the settings that reach it."""

    def __init__(self, **smtp_options):
        from aiosmtpd.controller import Controller

        self.inbox = Inbox()
        self.port = free_port()
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, **smtp_options
        )
        self.settings = settings.SmtpSettings("127.0.0.1", self.port, SENDER)

    def messages(self) -> list[tuple[list[str], email.message.EmailMessage]]:
        """(recipients, parsed message) of each envelope received."""
        return [
            (list(e.rcpt_tos), email.message_from_bytes(e.content, policy=policy.default))
            for e in self.inbox.envelopes
        ]


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd), started and stopped around the test."""
    server = Server()
    server.controller.start()
    yield server
    server.controller.stop()


def test_send_report_delivers_one_message_with_the_thai_subject_and_the_exact_attachment(
    smtp_server,
):
    send_report(PDF, ["pto@rayong.go.th", "gov@moi.go.th"], SUBJECT, BODY, smtp_server.settings)
    [(recipients, message)] = smtp_server.messages()
    assert recipients == ["pto@rayong.go.th", "gov@moi.go.th"]
    assert message["Subject"] == SUBJECT
    assert message["From"] == SENDER
    assert message["To"] == "pto@rayong.go.th, gov@moi.go.th"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == BODY
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "coverage-21-2570-6.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF.data


def test_the_configured_server_is_used_when_none_is_given(smtp_server, monkeypatch):
    monkeypatch.setenv("EIS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EIS_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("EIS_SMTP_FROM", "eis@chonburi.go.th")
    send_report(PDF, ["pto@rayong.go.th"], SUBJECT, BODY)
    [(_, message)] = smtp_server.messages()
    assert message["From"] == "eis@chonburi.go.th"


def test_no_smtp_server_configured_is_a_thai_reason(monkeypatch):
    monkeypatch.delenv("EIS_SMTP_HOST", raising=False)
    with pytest.raises(MailError) as caught:
        send_report(PDF, ["pto@rayong.go.th"], SUBJECT, BODY)
    assert "ยังไม่ได้ตั้งค่าเซิร์ฟเวอร์อีเมล (EIS_SMTP_HOST)" in caught.value.message("th")


def test_a_refused_connection_is_a_thai_reason():
    closed = settings.SmtpSettings("127.0.0.1", free_port(), SENDER)  # nothing listens
    with pytest.raises(MailError) as caught:
        send_report(PDF, ["pto@rayong.go.th"], SUBJECT, BODY, closed)
    assert caught.value.message("th").startswith(f"เซิร์ฟเวอร์อีเมล 127.0.0.1:{closed.port} ปฏิเสธ")
    assert "refused the connection" in caught.value.message("en")


def test_refused_recipients_are_named_and_nothing_is_delivered(smtp_server):
    nobody = [f"a@{REFUSED_DOMAIN}", f"b@{REFUSED_DOMAIN}"]
    with pytest.raises(MailError) as caught:
        send_report(PDF, nobody, SUBJECT, BODY, smtp_server.settings)
    assert caught.value.message("th") == f"เซิร์ฟเวอร์อีเมลไม่รับผู้รับ: {', '.join(nobody)}"
    assert caught.value.refused == tuple(nobody) and caught.value.delivered == ()
    assert smtp_server.messages() == []


def test_some_recipients_refused_says_who_got_it(smtp_server):
    with pytest.raises(MailError) as caught:
        send_report(
            PDF, ["pto@rayong.go.th", f"a@{REFUSED_DOMAIN}"], SUBJECT, BODY, smtp_server.settings
        )
    assert caught.value.delivered == ("pto@rayong.go.th",)
    assert caught.value.refused == (f"a@{REFUSED_DOMAIN}",)
    assert "ส่งถึง pto@rayong.go.th แล้ว" in caught.value.message("th")
    [(recipients, _)] = smtp_server.messages()
    assert recipients == ["pto@rayong.go.th"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
def test_a_wrong_password_is_a_thai_reason_that_never_shows_the_password():
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == b"the right one", handled=False)

    server = Server(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    server.controller.start()
    try:
        wrong = settings.SmtpSettings(
            "127.0.0.1", server.port, SENDER, user="eis", password="a wrong secret"
        )
        with pytest.raises(MailError) as caught:
            send_report(PDF, ["pto@rayong.go.th"], SUBJECT, BODY, wrong)
        right = settings.SmtpSettings(
            "127.0.0.1", server.port, SENDER, user="eis", password="the right one"
        )
        send_report(PDF, ["pto@rayong.go.th"], SUBJECT, BODY, right)
    finally:
        server.controller.stop()
    assert "ไม่รับชื่อผู้ใช้หรือรหัสผ่าน" in caught.value.message("th")
    assert "a wrong secret" not in caught.value.message("th") + str(caught.value)
    assert "the right one" not in repr(right)
    assert len(server.messages()) == 1


def test_starttls_asked_of_a_server_without_it_is_a_mail_error(smtp_server):
    asks_tls = settings.SmtpSettings("127.0.0.1", smtp_server.port, SENDER, starttls=True)
    with pytest.raises(MailError) as caught:
        send_report(PDF, ["pto@rayong.go.th"], SUBJECT, BODY, asks_tls)
    assert "STARTTLS" in caught.value.message("th")
    assert smtp_server.messages() == []


def test_check_addresses_trims_and_drops_repeats():
    given = [" pto@rayong.go.th ", "gov@moi.go.th", "PTO@Rayong.go.th"]
    assert check_addresses(given) == ["pto@rayong.go.th", "gov@moi.go.th"]
    assert check_addresses("x.y+z@sub.rayong.go.th") == ["x.y+z@sub.rayong.go.th"]


@pytest.mark.parametrize(
    "bad",
    [
        "pto rayong@rayong.go.th",  # a space
        "pto@rayong.go.th,gov@moi.go.th",  # two in one entry
        "Rayong <pto@rayong.go.th>",  # a display name
        "pto@rayong",  # no dot in the domain
        "pto@rayong..go.th",  # an empty part
        "@rayong.go.th",  # nothing before @
        "pto@@rayong.go.th",
        "สนง@rayong.go.th",  # not ASCII
        "",
    ],
)
def test_check_addresses_names_the_bad_address(bad):
    with pytest.raises(InputError) as caught:
        check_addresses(["gov@moi.go.th", bad])
    assert f"ที่อยู่อีเมล '{bad.strip()}' ใช้ไม่ได้" in caught.value.message("th")


def test_check_addresses_needs_one_and_at_most_fifty():
    with pytest.raises(InputError, match="at least one"):
        check_addresses([])
    with pytest.raises(InputError, match="too many"):
        check_addresses([f"p{i}@rayong.go.th" for i in range(51)])


def test_smtp_settings_come_from_the_environment(monkeypatch):
    for name in ("HOST", "PORT", "FROM", "USER", "PASSWORD", "STARTTLS", "SSL"):
        monkeypatch.delenv(f"EIS_SMTP_{name}", raising=False)
    assert settings.smtp() is None
    monkeypatch.setenv("EIS_SMTP_HOST", "mail.rayong.go.th")
    assert settings.smtp() == settings.SmtpSettings(
        "mail.rayong.go.th", 25, "eis@mail.rayong.go.th"
    )
    monkeypatch.setenv("EIS_SMTP_SSL", "1")
    monkeypatch.setenv("EIS_SMTP_USER", "eis@rayong.go.th")
    monkeypatch.setenv("EIS_SMTP_PASSWORD", "s3cret")
    config = settings.smtp()
    assert (config.port, config.ssl, config.sender, config.password) == (
        465,
        True,
        "eis@rayong.go.th",
        "s3cret",
    )
    assert "s3cret" not in repr(config)
    monkeypatch.setenv("EIS_SMTP_PORT", "twenty-five")
    with pytest.raises(ValueError, match="EIS_SMTP_PORT"):
        settings.smtp()

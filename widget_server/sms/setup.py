"""The sender the settings ask for, refusing to start with half a configuration."""

from __future__ import annotations

import httpx

from widget_server.clock import Clock
from widget_server.settings import Settings
from widget_server.sms.gateway import Sender
from widget_server.sms.senders import Pacer, SmsApiSender, TemplateSender
from widget_server.state import open_state

GATEWAYS = ("outbox", "sms-api", "partner-template")
_REQUIRED = {
    "sms-api": ("sms_app_id", "sms_api_key", "sms_source"),
    "partner-template": ("partner_app_id", "partner_token", "partner_app_name",
                         "partner_template_id", "partner_source"),
}


def build_sender(settings: Settings, clock: Clock,
                 transport: httpx.AsyncBaseTransport | None = None) -> Sender | None:
    """None for the outbox; ValueError naming the missing variables otherwise."""
    gateway = settings.sms_gateway
    if gateway not in GATEWAYS:
        raise ValueError(f"WIDGET_SMS_GATEWAY must be one of {', '.join(GATEWAYS)}, "
                         f"not {gateway!r}")
    if gateway == "outbox":
        return None
    missing = [f"WIDGET_{name.upper()}" for name in _REQUIRED[gateway]
               if not getattr(settings, name)]
    if missing:
        raise ValueError(f"WIDGET_SMS_GATEWAY={gateway} needs {', '.join(missing)}")
    client = httpx.AsyncClient(transport=transport, timeout=settings.sms_timeout)
    if gateway == "sms-api":
        return SmsApiSender(client, settings.sms_timeout, base_url=settings.sms_api_url,
                            app_id=settings.sms_app_id, api_key=settings.sms_api_key,
                            source=settings.sms_source)
    return TemplateSender(
        client, settings.sms_timeout, base_url=settings.partner_api_url,
        app_id=settings.partner_app_id, token=settings.partner_token,
        app_name=settings.partner_app_name, template_id=settings.partner_template_id,
        source=settings.partner_source,
        # The pace is shared by every process sending through the one template account:
        # it lives in the state store the settings name (Redis, when configured).
        pacer=Pacer(TemplateSender.PER_MINUTE, open_state(settings, clock), clock))

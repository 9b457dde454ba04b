"""A stand-in for an email service on the internet. It sends nothing: it waits a moment, as a real
service would while the message travels, and keeps every message in OUTBOX so you can look."""

import asyncio

OUTBOX = []  # every message "sent", oldest first
STATS = {"sending": 0, "most_at_once": 0}  # how many messages were on their way at the same time


async def send_email(to: str, subject: str) -> dict:
    """Send one email. Answers the message, with the id the service gave it."""
    STATS["sending"] += 1
    STATS["most_at_once"] = max(STATS["most_at_once"], STATS["sending"])
    try:
        await asyncio.sleep(0.05)  # the message on its way: other work can run meanwhile
    finally:
        STATS["sending"] -= 1
    message = {"id": len(OUTBOX) + 1, "to": to, "subject": subject}
    OUTBOX.append(message)
    return message

"""Verifying a Leadline webhook on the receiving side, with Python's standard library only.

Leadline signs webhooks as the Standard Webhooks specification says, so any of its
libraries works too; this is what they do:

1. take the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers and the raw
   body bytes (before any JSON parsing: re-encoding changes the bytes);
2. refuse a timestamp more than five minutes from your clock (a replayed delivery);
3. HMAC-SHA256 `"{id}.{timestamp}.{body}"` with the key: your endpoint's secret without its
   `whsec_` prefix, base64-decoded;
4. accept when one of the space-separated `v1,<base64>` signatures equals it (compared in
   constant time);
5. drop a delivery whose `webhook-id` you have already processed: retries reuse the id.

Run as `WEBHOOK_SECRET=whsec_… python3 verify_webhook.py ID TIMESTAMP SIGNATURE < body`:
exit status 0 when the delivery is genuine, 1 when it is not.
"""

import base64
import hashlib
import hmac
import os
import sys
import time

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, msg_id: str, timestamp: str, signatures: str, body: bytes) -> bool:
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(sig, expected)
        for version, _, sig in (s.partition(",") for s in signatures.split())
    )


if __name__ == "__main__":
    msg_id, timestamp, signatures = sys.argv[1:4]
    genuine = verify(os.environ["WEBHOOK_SECRET"], msg_id, timestamp, signatures, sys.stdin.buffer.read())
    sys.exit(0 if genuine else 1)

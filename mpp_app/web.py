"""What every blueprint shares: who is acting, whether htmx asked, how a refused action is shown,
and the security headers of every response."""
import hashlib
from ipaddress import ip_address
from urllib.parse import urlsplit

import segno
from flask import current_app, g, request, url_for
from flask_babel import get_locale
from flask_login import current_user

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self'; font-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# The one page our own pages may frame: the ticket print view, printed from a hidden frame of the
# reception page. It has no controls to trick anyone into clicking, and other sites still may not.
SAME_ORIGIN_FRAME_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
    "X-Frame-Options": "SAMEORIGIN",
}


def is_htmx() -> bool:
    """True when htmx sent the request (it wants a fragment, not a page)."""
    return bool(request.headers.get("HX-Request"))


def etag_of(*shown) -> str:
    """An ETag for a poll's answer: a digest of the plain values it shows and of the language it
    speaks them in. Equal values must render equal bodies, so pass everything the body shows."""
    return hashlib.blake2b(repr((str(get_locale()), shown)).encode(), digest_size=12).hexdigest()


def unless_unchanged(tag: str, render, private: bool = True):
    """304 when the browser's copy carries `tag`, else `render()` with it. The browser asks again at
    every poll (no-cache), keeping a private answer in its own cache only; it then hands htmx its
    copy of the body as a 200, so the page swaps in what it already shows."""
    headers = {"ETag": f'"{tag}"', "Cache-Control": "private, no-cache" if private else "no-cache"}
    if tag in request.if_none_match:
        return "", 304, headers
    return render(), 200, headers


def acting_user():
    """The logged-in user as a plain object, to hand to the domain layer (audit, actor columns)."""
    return current_user._get_current_object()


def public_url(endpoint, **values) -> str:
    """The address citizens' devices reach: MPP_PUBLIC_URL when configured, else this request's host."""
    base = current_app.config.get("MPP_PUBLIC_URL", "").rstrip("/") or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)


def only_this_pc(url: str) -> bool:
    """Whether `url` names the server PC itself (localhost, 127.0.0.1, ::1): no phone or TV reaches it."""
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        return False


def qr_data_uri(url: str, scale: int = 4) -> str:
    """A QR code of `url` as an SVG data URI (the CSP allows data: images, not inline markup)."""
    return segno.make(url, error="m").svg_data_uri(scale=scale, border=2)


def show_refusal(render) -> None:
    """How this request answers a DomainError from the domain call that follows: `render(error)`
    returns the response (usually the same form again, with the message and what was typed).
    Without it, the app's error handler shows the message in the page's message area."""
    g.show_refusal = render


def refusal_renderer():
    return g.pop("show_refusal", None)


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_user and current_user.is_authenticated:
        # Staff pages can hold personal data: never keep them in a shared PC's cache.
        response.headers.setdefault("Cache-Control", "no-store")
    if response.mimetype == "text/html":
        # Several URLs answer htmx with a fragment and a browser with a page.
        response.vary.add("HX-Request")
    return response

"""Build the adapter for an outlet from the config and the secrets."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from inmm_tui.config import Config, ConfigError, Outlet
from inmm_tui.platforms.base import Platform
from inmm_tui.platforms.secrets import Secrets

if TYPE_CHECKING:
    from inmm_tui.platforms.sandbox.server import Sandbox


def sandbox_url(config: Config) -> str:
    return f"http://{config.sandbox.host}:{config.sandbox.port}"


def build_platform(outlet: Outlet, config: Config, secrets: Secrets | None) -> Platform:
    """The adapter for `outlet`. A `sandbox` outlet uses the real adapter for its `api`,
    pointed at the local sandbox with the dummy credentials it accepts (no secrets needed);
    its `base_url` is ignored, so that an outlet switched to `sandbox` for a rehearsal never
    reaches the real instance it names."""
    timeout = config.daemon.request_timeout_seconds
    if outlet.kind == "sandbox":
        # The sandbox (an HTTP server) is imported only when an outlet uses it.
        from inmm_tui.platforms.sandbox.world import (
            LINKEDIN_ORG_ID,
            OUR_HANDLE,
            SANDBOX_BLUESKY_CREDENTIALS,
            SANDBOX_LINKEDIN_CREDENTIALS,
            SANDBOX_MASTODON_CREDENTIALS,
            SANDBOX_X_CREDENTIALS,
        )

        base_url = sandbox_url(config)
        tokens = {"x": SANDBOX_X_CREDENTIALS, "mastodon": SANDBOX_MASTODON_CREDENTIALS,
                  "bluesky": SANDBOX_BLUESKY_CREDENTIALS,
                  "linkedin": SANDBOX_LINKEDIN_CREDENTIALS}[outlet.api]
        # The sandbox's PDS knows our account as `<handle>.bsky.social`.
        handle = f"{OUR_HANDLE.lower()}.bsky.social"
        organization_id = LINKEDIN_ORG_ID
    else:
        if secrets is None:
            raise ConfigError(f"outlet {outlet.name!r} ({outlet.kind}) needs the secrets file "
                              f"{config.secrets_path}")
        base_url = outlet.base_url
        tokens = secrets.for_outlet(outlet)
        handle = outlet.handle
        organization_id = outlet.organization_id
    if outlet.api == "x":
        from inmm_tui.platforms.x import XPlatform

        return XPlatform(outlet.name, handle=outlet.handle, timeout=timeout,
                         base_url=base_url or None, **tokens)
    if outlet.api == "bluesky":
        from inmm_tui.platforms.bluesky import BlueskyPlatform

        if "." not in handle:
            where = config.path or "<config>"
            raise ConfigError(f"{where}: outlets: {outlet.name}.handle: a Bluesky handle is "
                              f"a domain name (e.g. inmm.bsky.social), not {handle!r}")
        return BlueskyPlatform(outlet.name, handle=handle, base_url=base_url or None,
                               timeout=timeout, **tokens)
    if outlet.api == "linkedin":
        from inmm_tui.platforms.linkedin import LinkedInPlatform

        if not organization_id.isdigit():
            where = config.path or "<config>"
            raise ConfigError(f"{where}: outlets: {outlet.name}.organization_id: a LinkedIn "
                              "outlet needs its organisation page's number (e.g. \"2414183\"), "
                              f"not {organization_id!r}")
        return LinkedInPlatform(outlet.name, organization_id=organization_id,
                                base_url=base_url or None, timeout=timeout, **tokens)
    from inmm_tui.platforms.mastodon import MastodonPlatform

    if not base_url:
        where = config.path or "<config>"
        raise ConfigError(f"{where}: outlets: {outlet.name}.base_url: a Mastodon outlet needs "
                          "its instance's address (e.g. https://mastodon.social)")
    return MastodonPlatform(outlet.name, access_token=tokens["access_token"], base_url=base_url,
                            timeout=timeout)


def sandbox_plan(config: Config) -> str:
    """The X access level the sandbox is to imitate: the `plan` of the sandbox X outlet
    (the sandbox has one X account); empty: every endpoint answers."""
    return next((o.plan for o in config.outlets if o.kind == "sandbox" and o.plan), "")


def needs_secrets(config: Config) -> bool:
    """Whether any outlet needs real tokens (so the daemon must read the secrets file)."""
    return any(outlet.kind != "sandbox" for outlet in config.outlets)


def ensure_sandbox(config: Config) -> Sandbox | None:
    """Start the sandbox in this process (a background thread) when an outlet of kind
    `sandbox` points at it and nothing listens there yet; None when not needed or already
    running (perhaps `inmm-tui sandbox`, perhaps the other program). Stop it with `.stop()`."""
    if not any(o.kind == "sandbox" for o in config.outlets):
        return None
    host, port = config.sandbox.host, config.sandbox.port
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return None
    except OSError:
        pass
    from inmm_tui.platforms.sandbox.server import Sandbox

    try:
        sandbox = Sandbox(host, port)
    except OSError:
        return None  # someone else bound it between our probe and now
    sandbox.world.x_plan = sandbox_plan(config)
    return sandbox.start()

"""Load and validate the configuration (`config/inmm.example.toml` documents every key).

Who reads what:

| section          | read by                                                  |
|------------------|----------------------------------------------------------|
| `[inmm]`         | both programs: database, time zone, signature, rules     |
| `[[outlets]]`    | the daemon (to publish) and the UI (to offer outlets)    |
| `[sandbox]`      | the sandbox server and outlets of kind `sandbox`         |
| `[daemon]`       | the daemon: retries, holds, job timings                  |
| `[review]`       | reminders: the EC meeting, the policy's review date      |
| `[metrics]`      | the daemon's metrics polls, follower types, the monthly report |
| `[questions]`    | the questions inbox: holding replies, reminders          |

The file holds no secret: platform tokens live in the secrets file that only the
daemon reads. The path comes from `--config`, else `$INMM_CONFIG`, else
`/etc/inmm/inmm.toml`; when none of those exists the embedded default is used (a local
database and the two sandbox outlets, no credentials).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import re
import string
import tomllib
import types
import typing
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from inmm_tui.capabilities import CAPABILITIES

if typing.TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

DEFAULT_CONFIG_PATH = Path("/etc/inmm/inmm.toml")
PACKAGED_POLICY_RULES = Path(__file__).resolve().parent / "defaults" / "policy.toml"
"""The screening rules shipped with the package (a copy of `config/policy.toml`)."""
PACKAGED_POLICY_TEXT = (Path(__file__).resolve().parent / "defaults"
                        / "inmm-social-media-policy-2016.txt")
"""The policy the society adopted, word for word, as people read it before they acknowledge it."""
PLATFORM_APIS = tuple(CAPABILITIES)
OUTLET_KINDS = ("sandbox", *PLATFORM_APIS)
_DOMAIN = r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
"""A web domain name; compiled only when a file names domains (the built-in one is good)."""


class ConfigError(Exception):
    """The configuration is unusable; the message names the file, the key and what was expected."""

    exit_code = 2


def default_data_dir() -> Path:
    """Where the embedded default keeps its database: `$XDG_DATA_HOME/inmm`."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "inmm"


@dataclass(frozen=True, eq=False)
class Outlet:
    """One account on one platform."""

    name: str
    """Short unique name, used in the database and on screen (e.g. `x`, `mastodon`)."""
    kind: str
    """`sandbox` (our local server), `x`, `mastodon`, `bluesky` or `linkedin`."""
    api: str = ""
    """Which platform API the outlet speaks; implied by `kind` except for `sandbox`."""
    handle: str = "INMMorg"
    """The society's handle on this outlet, without the @ (on Bluesky the full handle,
    a domain name: `inmm.bsky.social`)."""
    base_url: str = ""
    """The platform's address: a Mastodon outlet's instance (required), a Bluesky
    outlet's PDS (default https://bsky.social), an X outlet's override. Not used by a
    `sandbox` outlet, which talks to `[sandbox]`."""
    label: str = ""
    """How the outlet is named on screen; defaults to its name."""
    watch_handles: list[str] = field(default_factory=list)
    """Look-alike handles to watch for squatters and spoofers."""
    organization_id: str = ""
    """A LinkedIn outlet only: the organisation page's number (its URN is
    `urn:li:organization:<number>`; the page admin's URL shows it). Not used by a sandbox."""
    plan: str = ""
    """A `sandbox` X outlet only: the X access level the sandbox imitates (`free`, `basic`,
    `pro`, `enterprise`), whose missing endpoints answer as X does (403); empty: all."""

    @property
    def title(self) -> str:
        return self.label or self.name


@dataclass(frozen=True, eq=False)
class Inmm:
    """`[inmm]`: the database, time zone, signature, policy and topics."""

    database: str = ""
    """Path of the SQLite file; relative paths are relative to the config file."""
    timezone: str = "America/Chicago"
    """Time zone in which people type and read times."""
    signature: str = "^{initials}"
    """Appended to every post; `{initials}`, `{name}` and `{login}` are filled in."""
    policy_rules: str = ""
    """The screening rules file; empty means the packaged `config/policy.toml`."""
    policy_text: str = ""
    """The policy's text people read and acknowledge; empty means the packaged 2016 policy."""
    secrets_file: str = "secrets.toml"
    """Platform tokens, read by the daemon only; must be readable by its owner alone."""
    four_eyes: bool = True
    """The clearer must not be the author."""
    announcement_limit: int = 140
    """Re-tweetable announcements are held to this many characters."""
    topics: list[str] = field(
        default_factory=lambda: [
            "INMM announcement",
            "Annual Meeting",
            "Calendar of events",
            "Relevant resources",
            "Research or recruitment",
            "Membership",
            "Member news",
            "Awards",
            "Sister organisation",
            "Live coverage",
            "Executive Committee message",
            "Job posting",
            "Sponsor or exhibitor acknowledgement",
            "Crisis communication",
            "Answer to a question",
        ]
    )
    """The appropriate topics a post is tagged with (policy: Appropriate Topics)."""
    society_domains: list[str] = field(default_factory=lambda: ["inmm.org"])
    """The society's own web domains (subdomains included): links to them get UTM
    parameters at publication so the website's analytics can count referrals."""
    audit_witness: str = ""
    """The file where the daemon anchors the audit chain (head number and hash), in a
    folder only the daemon's user can write; empty: the chain is not anchored."""


@dataclass(frozen=True, eq=False)
class Sandbox:
    """`[sandbox]`: where the local server that stands in for the platforms listens."""

    host: str = "127.0.0.1"
    port: int = 8765
    """Port of the local server that speaks the X and Mastodon APIs."""


@dataclass(frozen=True, eq=False)
class Daemon:
    """`[daemon]`: retries, holds and the timings of the daemon's jobs."""

    max_attempts: int = 8
    """Attempts on one delivery before it is marked failed."""
    late_hold_minutes: int = 120
    """A delivery this late is held for a person's decision instead of sent blind."""
    heartbeat_stale_seconds: int = 300
    """`--report` flags the daemon when its heartbeat is older than this."""
    request_timeout_seconds: float = 10.0
    """Connect and read timeout on every platform call."""
    retry_base_seconds: float = 10.0
    """Wait after a first failed attempt; each further wait doubles, plus up to this much
    jitter (10 s: the eighth attempt comes about 21 minutes after the first)."""
    retry_max_seconds: float = 900.0
    """The longest wait between two attempts."""
    idempotency_key_seconds: float = 3300.0
    """How long a Mastodon instance is trusted to keep a post's Idempotency-Key (Mastodon
    keeps it an hour: 55 minutes leaves a margin); a delivery in doubt whose first attempt
    is older is looked for among the account's posts instead. Lower it for an instance
    that keeps keys less long; never above 3300."""
    evidence_retention_days: int = 0
    """Evidence of questionable posts older than this is purged (never under legal hold,
    never of an item still open); 0 keeps it for ever."""
    jobs: dict[str, str] = field(
        default_factory=lambda: {
            "publish": "* * * * *",
            "follow_back": "*/15 * * * *",
            "ingest_mentions": "*/5 * * * *",
            "poll_metrics": "0 * * * *",
            "reminders": "0 8 * * *",
            "spoof_watch": "0 6 * * *",
            "monthly_report": "0 7 1 * *",
            "audit_check": "30 * * * *",
            "notify": "* * * * *",
        }
    )
    """Cron expressions, one per job."""


@dataclass(frozen=True, eq=False)
class Review:
    """`[review]`: the EC meeting, the policy's review date, credential rotation."""

    ec_meeting: dt.date | None = None
    """Date of the EC meeting that reviews the authorised list each year."""
    policy_next_review: dt.date = dt.date(2021, 12, 1)
    """The policy's next review date (from the policy's own header)."""
    rotation_months: int = 6
    """Credentials are rotated at least this often."""


@dataclass(frozen=True, eq=False)
class Metrics:
    """`[metrics]`: engagement polls, follower types, the monthly report."""

    poll_days: int = 30
    """Published posts are polled for engagement for this many days after they went out."""
    max_posts_per_run: int = 200
    """At most this many post lookups per outlet in one poll (the rest wait for the next run)."""
    organisation_words: list[str] = field(
        default_factory=lambda: [
            "institute", "institution", "university", "college", "laboratory", "lab",
            "agency", "society", "association", "council", "committee", "commission",
            "ministry", "department", "office", "centre", "center", "foundation", "corp",
            "inc", "ltd", "llc", "gmbh", "news", "journal", "network", "official",
        ]
    )
    """A follower whose name or handle contains one of these words is an organisation."""
    organisation_handles: list[str] = field(default_factory=list)
    """Handles (without @) always counted as organisations, e.g. partner societies."""
    staff_handles: list[str] = field(default_factory=list)
    """Handles (without @) of INMM staff accounts not in the member list."""
    individual_name_pattern: str = r"^[A-Z][\w'\u2019.-]+( [A-Z][\w'\u2019.-]*){1,3}$"
    """A display name matching this (two to four capitalised words) is an individual."""
    reports_dir: str = "reports"
    """Where the monthly reports are written; relative to the config file's folder."""


@dataclass(frozen=True, eq=False)
class Questions:
    """`[questions]`: holding replies and reminders of the questions inbox."""

    templates: dict[str, str] = field(
        default_factory=lambda: {
            "default": "Thanks, we are finding out and will answer here.",
            "research": "Good question - we are checking with our experts and will answer here soon.",
        }
    )
    """Holding replies by name; `{handle}` is filled with the asker's handle."""
    remind_after_hours: int = 48
    """An unanswered question older than this raises a reminder for the account managers."""


@dataclass(frozen=True, eq=False)
class Notifications:
    """`[notifications]`: e-mail and webhooks for alerts."""

    smtp_host: str = ""
    """The mail server; empty: no e-mail is sent."""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    """`starttls` (usually port 587), `tls` (port 465), or `none`, allowed only for a server
    on this host (127.0.0.1, ::1, localhost). The password is `smtp_password` in the secrets
    file's `[notifications]`."""
    smtp_username: str = ""
    """Empty: the server takes mail without logging in."""
    smtp_cafile: str = ""
    """A CA bundle to check the server's certificate with (empty: the system's)."""
    from_address: str = ""
    """The sender of the e-mails, e.g. social-media@inmm.org."""
    webhooks: dict[str, str] = field(default_factory=dict)
    """Name → incoming-webhook URL (Slack, Mattermost, Teams or your own), or `secret:KEY`
    when the URL is itself a credential (Slack's are) and is kept as KEY in the secrets
    file's `[notifications]`. Each post is signed with `webhook_secret` from there."""
    webhook_events: list[str] = field(default_factory=list)
    """The events the webhooks get; empty: every event."""
    digest_hour: int = 7
    """Local hour from which the daily digest is sent."""
    timeout_seconds: float = 10.0
    retry_base_seconds: float = 30.0
    """Wait after a failed attempt; each further wait doubles."""
    retry_max_seconds: float = 3600.0


@dataclass(frozen=True, eq=False)
class Config:
    """The whole configuration, validated."""

    path: Path | None
    """The file this came from; None for the embedded default."""
    inmm: Inmm
    outlets: tuple[Outlet, ...]
    sandbox: Sandbox
    daemon: Daemon
    review: Review
    metrics: Metrics = field(default_factory=Metrics)
    questions: Questions = field(default_factory=Questions)
    notifications: Notifications = field(default_factory=Notifications)

    @property
    def source(self) -> str:
        """Which configuration this is, for messages."""
        if self.path:
            return str(self.path)
        return (f"the built-in default, since there is no --config, no $INMM_CONFIG and no "
                f"{DEFAULT_CONFIG_PATH}")

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else default_data_dir()

    @property
    def database_path(self) -> Path:
        if not self.inmm.database:
            return self.base_dir / "inmm.db"
        return self._resolve(self.inmm.database)

    @property
    def secrets_path(self) -> Path:
        return self._resolve(self.inmm.secrets_file)

    @property
    def policy_rules_path(self) -> Path:
        if self.inmm.policy_rules:
            return self._resolve(self.inmm.policy_rules)
        return PACKAGED_POLICY_RULES

    @property
    def policy_text_path(self) -> Path:
        if self.inmm.policy_text:
            return self._resolve(self.inmm.policy_text)
        return PACKAGED_POLICY_TEXT

    @property
    def reports_path(self) -> Path:
        return self._resolve(self.metrics.reports_dir)

    @property
    def audit_witness_path(self) -> Path | None:
        return self._resolve(self.inmm.audit_witness) if self.inmm.audit_witness else None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.inmm.timezone)

    def outlet(self, name: str) -> Outlet:
        for outlet in self.outlets:
            if outlet.name == name:
                return outlet
        raise KeyError(name)

    def _resolve(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path


DEFAULT_OUTLETS = (
    Outlet(name="x", kind="sandbox", api="x", label="X (sandbox)"),
    Outlet(name="mastodon", kind="sandbox", api="mastodon", label="Mastodon (sandbox)"),
)


def config_path_from(cli_value: str | None) -> Path | None:
    """The config file to read: `--config`, else `$INMM_CONFIG`, else the default if it exists.
    Made absolute at once: the paths inside it are relative to its folder, not to wherever
    a later command happens to run."""
    value = cli_value or os.environ.get("INMM_CONFIG")
    if value:
        return Path(value).expanduser().absolute()
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def load_config(cli_value: str | None = None) -> Config:
    """Read and validate the configuration; raise ConfigError with a precise message."""
    path = config_path_from(cli_value)
    if path is None:
        return embedded_default()
    data = read_toml(path, "the INMM configuration")
    return parse_config(data, path)


def read_toml(path: Path, what: str, error: type[Exception] = ConfigError) -> dict[str, typing.Any]:
    """A TOML file's contents, or `error` naming the file and what is wrong with it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file (expected {what})") from None
    except PermissionError:
        raise error(f"{path}: cannot be read (permission denied)") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, expected {what} (a TOML file)") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise error(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: is not valid TOML: {exc}") from None


def embedded_default() -> Config:
    return Config(
        path=None,
        inmm=Inmm(),
        outlets=DEFAULT_OUTLETS,
        sandbox=Sandbox(),
        daemon=Daemon(),
        review=Review(),
    )


def parse_config(data: dict[str, typing.Any], path: Path | None) -> Config:
    where = str(path) if path else "<config>"
    known = {"inmm", "outlets", "sandbox", "daemon", "review", "metrics", "questions",
             "notifications"}
    _refuse_unknown(data, known, where, "")
    outlets_raw = data.get("outlets")
    outlets: tuple[Outlet, ...]
    if outlets_raw is None:
        outlets = DEFAULT_OUTLETS
    else:
        if not isinstance(outlets_raw, list) or not outlets_raw:
            raise ConfigError(f"{where}: [[outlets]] must be a list of at least one table")
        outlets = tuple(
            _outlet(item, f"outlets[{index}]", where) for index, item in enumerate(outlets_raw)
        )
        names = [outlet.name for outlet in outlets]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ConfigError(f"{where}: outlets: name {duplicated[0]!r} is used twice")
    config = Config(
        path=path,
        inmm=_section(data, "inmm", Inmm, where),
        outlets=outlets,
        sandbox=_section(data, "sandbox", Sandbox, where),
        daemon=_section(data, "daemon", Daemon, where),
        review=_section(data, "review", Review, where),
        metrics=_section(data, "metrics", Metrics, where),
        questions=_section(data, "questions", Questions, where),
        notifications=_section(data, "notifications", Notifications, where),
    )
    try:
        zoneinfo.ZoneInfo(config.inmm.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: inmm.timezone: {config.inmm.timezone!r} is not a known time zone "
            "(expected a name such as 'America/Chicago' or 'UTC')"
        ) from None
    # The built-in pattern and domains are known good: each start (the UI's first screen
    # waits for it) compiles only what the file itself sets.
    if "individual_name_pattern" in data.get("metrics", {}):
        try:
            re.compile(config.metrics.individual_name_pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: metrics.individual_name_pattern: not a regular "
                              f"expression ({exc})") from None
    bad = [d for d in data.get("inmm", {}).get("society_domains", ())
           if not re.match(_DOMAIN, d, re.I)]
    if bad:
        raise ConfigError(f"{where}: inmm.society_domains: {bad[0]!r} is not a domain name "
                          "(expected e.g. 'inmm.org', without https:// or a path)")
    for key, (low, high) in NUMBER_RANGES.items():
        section, name = key.split(".")
        value = getattr(getattr(config, section), name)
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {key}: expected a finite number, got {value!r}")
        if value < low:
            raise ConfigError(f"{where}: {key}: expected a number at least {low}, got {value!r}")
        if value > high:
            raise ConfigError(
                f"{where}: {key}: expected a number from {low} to {high}, got {value!r}")
    for key in ("review.ec_meeting", "review.policy_next_review"):
        day = getattr(config.review, key.split(".")[1])
        if day is not None and not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            raise ConfigError(f"{where}: {key}: expected a date from {DATE_RANGE[0]} to "
                              f"{DATE_RANGE[1]}, got {day.isoformat()}")
    _check_signature(config.inmm.signature, where)
    for key in PATH_KEYS:
        section, name = key.split(".")
        if "\0" in getattr(getattr(config, section), name):
            raise ConfigError(f"{where}: {key}: a path cannot hold a NUL character")
    if "jobs" in data.get("daemon", {}):  # the built-in timings are known good
        for name, expression in config.daemon.jobs.items():
            cron_trigger(expression, config.tz, f"{where}: daemon.jobs.{name}")
    _check_notifications(config.notifications, where)
    if "default" not in config.questions.templates:
        raise ConfigError(f"{where}: questions.templates: needs a 'default' holding reply")
    return config


NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "inmm.announcement_limit": (1, 100_000),
    "sandbox.port": (0, 65535),
    "daemon.max_attempts": (1, 1000),
    "daemon.late_hold_minutes": (1, 10 * 366 * 24 * 60),
    "daemon.heartbeat_stale_seconds": (1, 366 * 24 * 3600),
    "daemon.request_timeout_seconds": (0.001, 3600),
    "daemon.retry_base_seconds": (0.001, 24 * 3600),
    "daemon.retry_max_seconds": (0.001, 31 * 24 * 3600),
    "daemon.idempotency_key_seconds": (0.001, 3300),
    "daemon.evidence_retention_days": (0, 100 * 366),
    "review.rotation_months": (1, 120),
    "metrics.poll_days": (1, 10 * 366),
    "metrics.max_posts_per_run": (1, 100_000),
    "questions.remind_after_hours": (1, 10 * 366 * 24),
    "notifications.smtp_port": (1, 65535),
    "notifications.digest_hour": (0, 23),
    "notifications.timeout_seconds": (0.001, 3600),
    "notifications.retry_base_seconds": (0.001, 24 * 3600),
    "notifications.retry_max_seconds": (0.001, 31 * 24 * 3600),
}
"""Every number the configuration holds, and what it may be: a negative hold time would
hold every post, a zero rotation period would make rotation due for ever, and a number
beyond the upper bound (or infinite) overflows the date arithmetic that uses it (ten years
of hold time is already more than anyone means)."""
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2999, 12, 31))
"""Dates the review reminders can compute with (a year 1 meeting's reminder would fall
before the first day the calendar has)."""
SIGNATURE_FIELDS = ("initials", "name", "login")
PATH_KEYS = ("inmm.database", "inmm.policy_rules", "inmm.policy_text", "inmm.secrets_file",
             "metrics.reports_dir")


def _check_signature(signature: str, where: str) -> None:
    """Only `{initials}`, `{name}` and `{login}`, as they are: anything else would fail
    when the first post is signed, and the screening rule matches these three alone."""
    try:
        parts = list(string.Formatter().parse(signature))
    except ValueError as exc:
        raise ConfigError(f"{where}: inmm.signature: {signature!r} is not a valid template "
                          f"({exc}); write a literal brace as {{{{ or }}}}") from None
    for _, field_name, spec, conversion in parts:
        if field_name is not None and (field_name not in SIGNATURE_FIELDS or spec or conversion):
            raise ConfigError(
                f"{where}: inmm.signature: unknown placeholder {{{field_name}}} in {signature!r} "
                f"(expected only {', '.join('{' + f + '}' for f in SIGNATURE_FIELDS)}; "
                "a literal brace is written {{ or }})")


def cron_trigger(expression: str, tz: dt.tzinfo, key: str) -> CronTrigger:
    """The daemon's trigger for a `[daemon.jobs]` expression, or ConfigError naming `key`:
    checked when the configuration is loaded, so `--report` refuses what the daemon would."""
    from apscheduler.triggers.cron import CronTrigger  # only for configured timings: 50 ms

    try:
        trigger = CronTrigger.from_crontab(expression, timezone=tz)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{key}: {expression!r} is not a cron expression ({exc}); expected five fields: "
            "minute hour day-of-month month day-of-week, e.g. '*/15 * * * *'") from None
    if trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC)) is None:
        raise ConfigError(f"{key}: {expression!r} never comes (e.g. the 30th of February)")
    return trigger


def _outlet(item: typing.Any, key: str, where: str) -> Outlet:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: {key}: expected a table")
    outlet = _build(Outlet, item, key, where)
    if outlet.kind not in OUTLET_KINDS:
        raise ConfigError(
            f"{where}: {key}.kind: unknown outlet kind {outlet.kind!r} "
            f"(expected one of {', '.join(OUTLET_KINDS)})"
        )
    api = outlet.api or (outlet.kind if outlet.kind != "sandbox" else "")
    if api not in PLATFORM_APIS:
        raise ConfigError(
            f"{where}: {key}.api: expected one of {', '.join(PLATFORM_APIS)} "
            f"(a sandbox outlet must say which platform it imitates)"
        )
    if outlet.kind != "sandbox" and api != outlet.kind:
        raise ConfigError(f"{where}: {key}.api: an outlet of kind {outlet.kind!r} speaks {outlet.kind!r}")
    plans = CAPABILITIES[api].plans
    if outlet.plan and (outlet.kind != "sandbox" or not plans):
        raise ConfigError(f"{where}: {key}.plan: only a sandbox outlet imitating a platform "
                          "that sells access levels (X) has a plan (a real outlet's plan is "
                          "the one its app is enrolled in)")
    if outlet.plan and outlet.plan not in plans:
        raise ConfigError(f"{where}: {key}.plan: expected one of {', '.join(plans)}")
    if not outlet.name or not outlet.name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"{where}: {key}.name: expected letters, digits, '-' or '_'")
    return dataclasses.replace(outlet, api=api)


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def web_url(url: str) -> bool:
    """An https:// URL, or http:// to this host (a receiver on the same machine)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return bool(host) and (parts.scheme == "https" or (
        parts.scheme == "http" and host in _LOOPBACK))


def _check_notifications(notes: Notifications, where: str) -> None:
    if notes.smtp_security not in ("starttls", "tls", "none"):
        raise ConfigError(f"{where}: notifications.smtp_security: {notes.smtp_security!r} "
                          "(expected starttls, tls or none)")
    if notes.smtp_host:
        if notes.smtp_security == "none" and notes.smtp_host not in _LOOPBACK:
            raise ConfigError(f"{where}: notifications.smtp_security: none sends the password "
                              f"and the mail in clear; allowed only for a server on this host, "
                              f"not {notes.smtp_host!r} (use starttls or tls)")
        if "@" not in notes.from_address:
            raise ConfigError(f"{where}: notifications.from_address: needed with smtp_host "
                              "(expected an address such as social-media@inmm.org)")
    for name, url in notes.webhooks.items():
        if url.startswith("secret:") and url[len("secret:"):].isidentifier():
            continue  # the URL is in the secrets file (a Slack URL is itself a password)
        if not web_url(url):
            raise ConfigError(f"{where}: notifications.webhooks.{name}: expected an https:// "
                              "URL (http:// only to this host), or secret:KEY for a URL kept "
                              "as KEY in the secrets file's [notifications]")
    if not notes.webhook_events:
        return
    from inmm_tui.domain.notify import EVENTS  # only then: the UI's start-up needs none of it

    unknown = [kind for kind in notes.webhook_events if kind not in EVENTS]
    if unknown:
        raise ConfigError(f"{where}: notifications.webhook_events: unknown event "
                          f"{unknown[0]!r} (expected some of {', '.join(EVENTS)})")


def _section(data: dict[str, typing.Any], name: str, cls: type, where: str) -> typing.Any:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [{name}] must be a table")
    return _build(cls, raw, name, where)


def _build(cls: type, raw: dict[str, typing.Any], prefix: str, where: str) -> typing.Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    _refuse_unknown(raw, set(fields), where, prefix + ".")
    # Resolving a class's string annotations compiles each one: only for a section the
    # file sets (most files set two or three of the eight; each start pays for the rest).
    hints = typing.get_type_hints(cls) if raw else {}
    values = {}
    for name, value in raw.items():
        values[name] = _coerce(value, hints[name], f"{prefix}.{name}", where)
    for name, spec in fields.items():
        required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        if required and name not in values:
            raise ConfigError(f"{where}: {prefix}.{name}: missing (required)")
    if cls is Daemon and "jobs" in values:
        known = Daemon().jobs
        for name in values["jobs"]:
            if name not in known:
                raise ConfigError(f"{where}: daemon.jobs.{name}: no such job "
                                  f"(expected one of {', '.join(sorted(known))})")
        values["jobs"] = {**known, **values["jobs"]}
    return cls(**values)


def _coerce(value: typing.Any, hint: typing.Any, key: str, where: str) -> typing.Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _coerce(value, options[0], key, where)
    if hint is dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ConfigError(f"{where}: {key}: expected a date like 2027-10-01, got {value!r}")
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: {key}: expected a list of strings, got {value!r}")
        return list(value)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"{where}: {key}: expected a table of strings, got {value!r}")
        return dict(value)
    expected = {str: "a string", int: "a whole number", bool: "true or false", float: "a number"}
    ok = isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        raise ConfigError(f"{where}: {key}: expected {expected[hint]}, got {value!r}")
    return value


def _refuse_unknown(raw: dict[str, typing.Any], known: set[str], where: str, prefix: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{where}: {prefix}{unknown[0]}: unknown key (expected one of {', '.join(sorted(known))})"
        )

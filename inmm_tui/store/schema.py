"""The schema, as sqlite-utils migrations: each one transactional and recorded in
`_sqlite_migrations`. Add a new migration at the end; never edit one that has shipped.

Times are UTC text from `inmm_tui.timeutil.to_db` (fixed width, so text order is time
order). No table holds a platform token or any other secret.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("inmm")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        -- People on the roster, identified by their login name on the host.
        CREATE TABLE people (
            login TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            initials TEXT NOT NULL,
            role TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            added_at TEXT NOT NULL,
            added_by TEXT NOT NULL,
            revoked_at TEXT,
            revoked_by TEXT,
            revoked_reason TEXT,
            last_reviewed_at TEXT
        );

        -- Small switches both programs read: publishing paused, crisis mode, review dates.
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            changed_by TEXT NOT NULL
        );

        -- Live coverage of an event, or a crisis, with the hashtag its posts carry.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            hashtag TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('coverage', 'crisis')),
            starts_on TEXT,
            ends_on TEXT,
            active INTEGER NOT NULL DEFAULT 1,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );

        CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            author TEXT NOT NULL REFERENCES people(login),
            status TEXT NOT NULL CHECK (status IN
                ('draft', 'submitted', 'cleared', 'scheduled', 'published',
                 'rejected', 'withdrawn')),
            body TEXT NOT NULL DEFAULT '',
            topic TEXT NOT NULL DEFAULT '',
            announcement INTEGER NOT NULL DEFAULT 0,
            crisis INTEGER NOT NULL DEFAULT 0,
            event_id INTEGER REFERENCES events(id),
            reply_to_mention_id INTEGER,
            scheduled_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT,
            cleared_by TEXT,
            cleared_at TEXT,
            clearance_hash TEXT,
            override_reason TEXT,
            rejected_by TEXT,
            rejected_reason TEXT,
            screening_verdict TEXT,
            screening_json TEXT
        );
        CREATE INDEX posts_status ON posts(status, scheduled_at);
        CREATE INDEX posts_author ON posts(author, status);

        -- The outlets a post goes to, and its own text there when it differs.
        CREATE TABLE post_outlets (
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            outlet TEXT NOT NULL,
            text TEXT,
            PRIMARY KEY (post_id, outlet)
        );

        -- "If unsure, counsel with other members": comments before clearing.
        CREATE TABLE comments (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
            login TEXT NOT NULL,
            body TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX comments_post ON comments(post_id);

        -- One delivery per post and outlet: the queue the daemon drains.
        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            outlet TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN
                ('pending', 'sending', 'sent', 'failed', 'held', 'withdrawn')),
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            due_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            attempt_key TEXT,
            claimed_at TEXT,
            last_error TEXT,
            platform_id TEXT,
            platform_url TEXT,
            sent_at TEXT,
            UNIQUE (post_id, outlet)
        );
        CREATE INDEX deliveries_due ON deliveries(state, next_attempt_at, due_at);
        CREATE INDEX deliveries_post ON deliveries(post_id);
        CREATE INDEX deliveries_sent ON deliveries(outlet, sent_at) WHERE state = 'sent';

        -- Accounts that follow the society's account, one row per outlet and account.
        CREATE TABLE followers (
            outlet TEXT NOT NULL,
            user_id TEXT NOT NULL,
            handle TEXT,
            name TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_run INTEGER NOT NULL DEFAULT 0,
            gone_at TEXT,
            followed_back_at TEXT,
            PRIMARY KEY (outlet, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX followers_pending ON followers(outlet, followed_back_at)
            WHERE followed_back_at IS NULL AND gone_at IS NULL;

        -- Accounts the society follows: back (automatic) or an organisation (a person decided).
        CREATE TABLE following (
            outlet TEXT NOT NULL,
            user_id TEXT NOT NULL,
            handle TEXT,
            name TEXT,
            reason TEXT NOT NULL CHECK (reason IN ('follow_back', 'organisation')),
            followed_at TEXT NOT NULL,
            followed_by TEXT NOT NULL,
            unfollowed_at TEXT,
            blocked_at TEXT,
            reviewed_at TEXT,
            reviewed_by TEXT,
            PRIMARY KEY (outlet, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX following_newest ON following(outlet, followed_at);

        -- Where a paging job stopped, so that a restart resumes there.
        CREATE TABLE sync_state (
            outlet TEXT NOT NULL,
            job TEXT NOT NULL,
            cursor TEXT,
            run INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (outlet, job)
        );

        -- Replies and mentions, as ingested.
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            outlet TEXT NOT NULL,
            platform_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author_handle TEXT NOT NULL,
            author_name TEXT,
            text TEXT NOT NULL,
            in_reply_to TEXT,
            created_at TEXT NOT NULL,
            ingested_at TEXT NOT NULL,
            verdict TEXT,
            screening_json TEXT,
            kind TEXT NOT NULL DEFAULT 'mention'
                CHECK (kind IN ('mention', 'question', 'moderation')),
            theme TEXT,
            holding_reply_at TEXT,
            answered_post_id INTEGER,
            answered_by TEXT,
            answered_at TEXT,
            UNIQUE (outlet, platform_id)
        );
        CREATE INDEX mentions_kind ON mentions(kind, created_at);

        -- Questionable replies and what was done about them.
        CREATE TABLE moderation_items (
            id INTEGER PRIMARY KEY,
            mention_id INTEGER NOT NULL UNIQUE REFERENCES mentions(id),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN
                ('open', 'hidden', 'dismissed', 'forwarded', 'decided')),
            opened_at TEXT NOT NULL,
            hidden_at TEXT,
            blocked_at TEXT,
            reported_at TEXT,
            handled_by TEXT,
            member_match TEXT,
            recommendation TEXT,
            forwarded_by TEXT,
            forwarded_at TEXT,
            ec_decision TEXT,
            ec_decided_by TEXT,
            ec_decided_at TEXT,
            closed_at TEXT
        );
        CREATE INDEX moderation_open ON moderation_items(status, opened_at);

        -- Evidence captured before anything is hidden.
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            mention_id INTEGER NOT NULL REFERENCES mentions(id),
            captured_at TEXT NOT NULL,
            raw_payload TEXT NOT NULL,
            rendered_svg TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            legal_hold INTEGER NOT NULL DEFAULT 0,
            legal_hold_by TEXT,
            purged_at TEXT
        );
        CREATE INDEX evidence_mention ON evidence(mention_id);

        -- Members, volunteers and staff, imported from the society's CSV.
        CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('member', 'volunteer', 'staff')),
            email TEXT,
            handles TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL
        );

        -- When each outlet's credentials were rotated (dates only, never a secret).
        CREATE TABLE credential_rotations (
            id INTEGER PRIMARY KEY,
            outlet TEXT NOT NULL,
            rotated_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            note TEXT,
            verified_at TEXT,
            verify_result TEXT
        );
        CREATE INDEX rotations_outlet ON credential_rotations(outlet, rotated_at);

        -- Reasons a rotation is due at once: a roster change, a suspected compromise.
        CREATE TABLE rotation_triggers (
            id INTEGER PRIMARY KEY,
            outlet TEXT NOT NULL,
            cause TEXT NOT NULL CHECK (cause IN ('roster_change', 'compromise', 'secrets_changed')),
            reason TEXT NOT NULL,
            raised_by TEXT NOT NULL,
            raised_at TEXT NOT NULL,
            resolved_at TEXT
        );

        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            message TEXT NOT NULL,
            due_at TEXT NOT NULL,
            repeat_days INTEGER,
            for_role TEXT,
            how TEXT,
            done_at TEXT,
            done_by TEXT,
            UNIQUE (kind, subject, due_at)
        );
        CREATE INDEX reminders_open ON reminders(done_at, due_at);

        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            message TEXT NOT NULL,
            raised_at TEXT NOT NULL,
            acknowledged_at TEXT,
            acknowledged_by TEXT,
            UNIQUE (kind, subject)
        );

        CREATE TABLE spoof_suspects (
            id INTEGER PRIMARY KEY,
            outlet TEXT NOT NULL,
            handle TEXT NOT NULL,
            user_id TEXT,
            name TEXT,
            first_seen_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'new'
                CHECK (status IN ('new', 'harmless', 'reported', 'gone')),
            decided_by TEXT,
            decided_at TEXT,
            report_ref TEXT,
            UNIQUE (outlet, handle)
        );

        CREATE TABLE post_metrics (
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id),
            at TEXT NOT NULL,
            reposts INTEGER, replies INTEGER, likes INTEGER, quotes INTEGER, impressions INTEGER,
            PRIMARY KEY (delivery_id, at)
        ) WITHOUT ROWID;

        CREATE TABLE outlet_metrics (
            outlet TEXT NOT NULL,
            at TEXT NOT NULL,
            followers INTEGER NOT NULL,
            following INTEGER NOT NULL,
            PRIMARY KEY (outlet, at)
        ) WITHOUT ROWID;

        -- The daemon's heartbeat, read by --report.
        CREATE TABLE heartbeat (
            name TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            pid INTEGER,
            info TEXT
        );

        -- The audit log: append-only, each entry chained to the one before by SHA-256.
        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_subject ON audit(subject, seq);
        CREATE INDEX audit_at ON audit(at);
        -- The newest entry, kept apart so that deleting the tail of the log shows.
        CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL
        );
        -- The last full verification, so --report only re-hashes what came after it.
        CREATE TABLE audit_checkpoint (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL,
            verified_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m002_governance(db: Database) -> None:
    db.executescript(
        """
        -- The roster's annual review: one outcome per person per EC meeting.
        CREATE TABLE roster_reviews (
            id INTEGER PRIMARY KEY,
            meeting TEXT NOT NULL,
            login TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('keep', 'change_role', 'withdraw')),
            role TEXT,
            reason TEXT,
            reviewed_by TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            UNIQUE (meeting, login)
        );

        -- Someone not on the roster (or withdrawn) tried to use the tool.
        CREATE TABLE access_refusals (
            id INTEGER PRIMARY KEY,
            login TEXT NOT NULL,
            what TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX access_refusals_at ON access_refusals(at);
        """
    )


@migrations()
def m003_insights(db: Database) -> None:
    """Metrics, referrals, the questions inbox and the monthly reports (issue 9)."""
    db.executescript(
        """
        -- Follower type (organisation, member, staff, individual, unknown) and the profile
        -- text the rules read; NULL kind means not classified yet.
        ALTER TABLE followers ADD COLUMN kind TEXT;
        ALTER TABLE followers ADD COLUMN description TEXT;
        CREATE INDEX followers_kind ON followers(outlet, kind) WHERE gone_at IS NULL;
        -- New and lost followers in a month, for the monthly report.
        CREATE INDEX followers_first_seen ON followers(first_seen_at);
        CREATE INDEX followers_gone ON followers(gone_at) WHERE gone_at IS NOT NULL;

        -- The website's analytics, imported from its CSV export: sessions per day,
        -- campaign and source (the outlet). Re-importing a day replaces its figures.
        CREATE TABLE web_referrals (
            date TEXT NOT NULL,
            campaign TEXT NOT NULL,
            source TEXT NOT NULL,
            sessions INTEGER NOT NULL,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            PRIMARY KEY (date, campaign, source)
        ) WITHOUT ROWID;

        -- The holding reply sent to a question, as a post of its own.
        ALTER TABLE mentions ADD COLUMN holding_post_id INTEGER;
        CREATE INDEX mentions_theme ON mentions(theme) WHERE kind = 'question';
        CREATE INDEX mentions_answered ON mentions(answered_post_id)
            WHERE answered_post_id IS NOT NULL;

        -- Monthly reports written (by the daemon on the 1st, or by a person).
        CREATE TABLE monthly_reports (
            id INTEGER PRIMARY KEY,
            month TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('md', 'html')),
            path TEXT NOT NULL,
            written_at TEXT NOT NULL,
            written_by TEXT NOT NULL,
            sha256 TEXT NOT NULL
        );
        CREATE INDEX monthly_reports_month ON monthly_reports(month, format);
        """
    )


@migrations()
def m004_follows_moderation(db: Database) -> None:
    """Follow-back bookkeeping and moderation intents (issue 7).

    The UI records an intention (unfollow, block, hide, report); the daemon performs it
    on the platform and records the result. CHECK constraints of m001 cannot be altered
    in place, so the intents are columns beside the existing states."""
    db.executescript(
        """
        -- Which run of a paging job last completed, and a time before which the
        -- platform asked us not to call again (RateLimited.reset_at).
        ALTER TABLE sync_state ADD COLUMN completed_run INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sync_state ADD COLUMN completed_at TEXT;
        ALTER TABLE sync_state ADD COLUMN not_before TEXT;
        ALTER TABLE sync_state ADD COLUMN run_started_at TEXT;

        -- The pages of a paging run in progress, appended as they arrive (no index, so
        -- the order of the ids costs nothing) and merged in key order when the run
        -- completes; a restart resumes from sync_state.cursor with these kept.
        CREATE TABLE sync_pages (
            outlet TEXT NOT NULL,
            job TEXT NOT NULL,
            run INTEGER NOT NULL,
            user_id TEXT NOT NULL,
            handle TEXT,
            name TEXT
        );

        -- A follow-back the platform refused for good (protected, suspended account).
        ALTER TABLE followers ADD COLUMN follow_back_error TEXT;

        -- Requested changes to whom we follow, performed by the daemon.
        ALTER TABLE following ADD COLUMN pending_action TEXT
            CHECK (pending_action IN ('follow', 'unfollow', 'block'));
        ALTER TABLE following ADD COLUMN pending_by TEXT;
        ALTER TABLE following ADD COLUMN pending_at TEXT;
        ALTER TABLE following ADD COLUMN action_error TEXT;
        ALTER TABLE following ADD COLUMN confirmed_at TEXT;
        ALTER TABLE following ADD COLUMN note TEXT;
        CREATE INDEX following_pending ON following(outlet, pending_action)
            WHERE pending_action IS NOT NULL;

        -- Every follow call made, to keep within the platform's follow limit per window.
        CREATE TABLE follow_calls (
            id INTEGER PRIMARY KEY,
            outlet TEXT NOT NULL,
            user_id TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX follow_calls_at ON follow_calls(outlet, at);

        -- Moderation intents and their results.
        ALTER TABLE moderation_items ADD COLUMN hide_requested_at TEXT;
        ALTER TABLE moderation_items ADD COLUMN hide_requested_by TEXT;
        ALTER TABLE moderation_items ADD COLUMN block_requested_at TEXT;
        ALTER TABLE moderation_items ADD COLUMN block_requested_by TEXT;
        ALTER TABLE moderation_items ADD COLUMN report_requested_at TEXT;
        ALTER TABLE moderation_items ADD COLUMN report_requested_by TEXT;
        ALTER TABLE moderation_items ADD COLUMN report_reason TEXT;
        ALTER TABLE moderation_items ADD COLUMN report_ref TEXT;
        ALTER TABLE moderation_items ADD COLUMN action_error TEXT;
        ALTER TABLE moderation_items ADD COLUMN dismissed_reason TEXT;
        CREATE INDEX moderation_requests ON moderation_items(hide_requested_at, block_requested_at,
            report_requested_at) WHERE closed_at IS NULL;

        ALTER TABLE evidence ADD COLUMN legal_hold_at TEXT;
        ALTER TABLE evidence ADD COLUMN legal_hold_reason TEXT;
        CREATE UNIQUE INDEX evidence_one_per_mention ON evidence(mention_id);
        CREATE INDEX evidence_captured ON evidence(captured_at) WHERE purged_at IS NULL;

        CREATE INDEX members_name ON members(name);
        """
    )


@migrations()
def m005_ui_queue_indexes(db: Database) -> None:
    # The home screen counts the follow-review queue at every start; on a million
    # followed accounts a scan costs ~0.1 s, this partial index makes it a lookup.
    db.execute(
        "CREATE INDEX IF NOT EXISTS following_unreviewed ON following(outlet)"
        " WHERE reviewed_at IS NULL AND unfollowed_at IS NULL AND blocked_at IS NULL"
    )


@migrations()
def m006_daemon(db: Database) -> None:
    db.executescript(
        """
        -- 1 while an attempt may have reached the platform without our knowing (a crash,
        -- a lost response): the next attempt reconciles first and reuses `attempt_key`.
        ALTER TABLE deliveries ADD COLUMN in_doubt INTEGER NOT NULL DEFAULT 0;
        -- Each outlet's queue in due order: the daemon claims the head of it.
        CREATE INDEX deliveries_queue ON deliveries(outlet, state, in_doubt, due_at, id);

        -- When each scheduled job of the daemon last ran, so that a restart catches up a
        -- missed run once instead of forgetting it (or replaying every one).
        CREATE TABLE daemon_jobs (
            name TEXT PRIMARY KEY,
            last_run_at TEXT NOT NULL,
            last_ok INTEGER NOT NULL,
            last_error TEXT,
            runs INTEGER NOT NULL DEFAULT 0
        );
        """
    )


@migrations()
def m007_reconcile_trust(db: Database) -> None:
    """A platform id names one post: no two deliveries on an outlet may share it (a lossy
    reconciliation used to mark a second delivery sent with the first one's id, and its
    post never went out). Deliveries that already share one are undone first. And a
    record of the items a job skipped so that one bad item never blocks its queue."""
    conn = db.conn
    conn.execute(
        """
        CREATE TABLE skipped_items (
            job TEXT NOT NULL,
            outlet TEXT NOT NULL,
            item TEXT NOT NULL,
            error TEXT NOT NULL,
            skipped_at TEXT NOT NULL,
            failures INTEGER NOT NULL DEFAULT 1,
            alerted_at TEXT,
            PRIMARY KEY (job, outlet, item)
        )
        """)
    # When the first attempt under the current attempt key began: a post made on the
    # platform before that cannot be this delivery's.
    conn.execute("ALTER TABLE deliveries ADD COLUMN attempt_began_at TEXT")
    shared = conn.execute(
        "SELECT d.id, d.post_id, d.outlet, d.platform_id, ("
        "   SELECT k.id FROM deliveries k WHERE k.outlet = d.outlet"
        "   AND k.platform_id = d.platform_id"
        "   ORDER BY k.sent_at IS NULL, k.sent_at, k.id LIMIT 1)"
        " FROM deliveries d WHERE d.platform_id IS NOT NULL AND EXISTS ("
        "   SELECT 1 FROM deliveries o WHERE o.outlet = d.outlet"
        "   AND o.platform_id = d.platform_id AND o.id != d.id)"
    ).fetchall()
    undone = [row for row in shared if row[0] != row[4]]
    if undone:
        # Imported here: the store knows nothing of the domain except the audit log's
        # format, which every change of the database must follow.
        from inmm_tui.domain import audit
        from inmm_tui.timeutil import to_db, utcnow

        now = utcnow()
        for delivery_id, post_id, outlet, platform_id, kept in undone:
            message = (f"post #{post_id} on {outlet}: was recorded as {outlet} post "
                       f"{platform_id}, which is delivery #{kept}'s; it probably never went "
                       f"out. Check the account on {outlet}, then publish again or withdraw")
            conn.execute(
                "UPDATE deliveries SET state = 'failed', platform_id = NULL,"
                " platform_url = NULL, sent_at = NULL, in_doubt = 0, next_attempt_at = NULL,"
                " last_error = ? WHERE id = ?", (message, delivery_id))
            conn.execute(
                "INSERT INTO alerts (kind, subject, message, raised_at)"
                " VALUES ('platform_id_taken', ?, ?, ?) ON CONFLICT (kind, subject) DO UPDATE"
                " SET message = excluded.message, raised_at = excluded.raised_at,"
                " acknowledged_at = NULL, acknowledged_by = NULL",
                (f"delivery:{delivery_id}", message, to_db(now)))
            audit.append(conn, audit.DAEMON, "delivery.failed", f"post:{post_id}",
                         {"outlet": outlet, "delivery": delivery_id, "platform_id": platform_id,
                          "recorded_for": kept, "error": message, "by": "migration"}, at=now)
    conn.execute("CREATE UNIQUE INDEX deliveries_platform_id ON deliveries(outlet, platform_id)"
                 " WHERE platform_id IS NOT NULL")


@migrations()
def m008_masto13_private_messages(db: Database) -> None:
    """Private messages to an outlet (Mastodon's `direct` statuses, and `private` ones,
    for the author's followers only), kept apart from the public mentions: never in the
    moderation queue, never answered in public, read only by those the policy gives
    inquiries to (`Action.READ_PRIVATE`)."""
    db.executescript(
        """
        CREATE TABLE private_messages (
            id INTEGER PRIMARY KEY,
            outlet TEXT NOT NULL,
            platform_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author_handle TEXT NOT NULL,
            author_name TEXT,
            text TEXT NOT NULL,
            visibility TEXT NOT NULL,
            in_reply_to TEXT,
            created_at TEXT NOT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (outlet, platform_id)
        );
        CREATE INDEX private_messages_received ON private_messages(received_at);
        """
    )


@migrations()
def m008_perf16b_figures(db: Database) -> None:
    """What `--report` and the monthly report count, without reading every row.

    - `state_counts`: how many posts are in each status and deliveries in each state, kept by
      triggers, so `--report` costs the same on a five-year history as on a new database.
    - `followers_types`: the follower records by type with the dates of their coming and
      going, so follower types as at a month's end are counted from the index alone (a
      million table rows were read one by one before).
    - `mentions_holding`: the month's holding replies, found without reading every
      question ever received."""
    db.executescript(
        """
        CREATE TABLE state_counts (
            tbl TEXT NOT NULL,
            state TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (tbl, state)
        ) WITHOUT ROWID;
        INSERT INTO state_counts (tbl, state, n)
            SELECT 'posts', status, count(*) FROM posts GROUP BY status;
        INSERT INTO state_counts (tbl, state, n)
            SELECT 'deliveries', state, count(*) FROM deliveries GROUP BY state;

        CREATE TRIGGER posts_count_insert AFTER INSERT ON posts BEGIN
            INSERT INTO state_counts (tbl, state, n) VALUES ('posts', new.status, 1)
                ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER posts_count_delete AFTER DELETE ON posts BEGIN
            UPDATE state_counts SET n = n - 1 WHERE tbl = 'posts' AND state = old.status;
        END;
        CREATE TRIGGER posts_count_update AFTER UPDATE OF status ON posts
                WHEN old.status IS NOT new.status BEGIN
            UPDATE state_counts SET n = n - 1 WHERE tbl = 'posts' AND state = old.status;
            INSERT INTO state_counts (tbl, state, n) VALUES ('posts', new.status, 1)
                ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER deliveries_count_insert AFTER INSERT ON deliveries BEGIN
            INSERT INTO state_counts (tbl, state, n) VALUES ('deliveries', new.state, 1)
                ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER deliveries_count_delete AFTER DELETE ON deliveries BEGIN
            UPDATE state_counts SET n = n - 1 WHERE tbl = 'deliveries' AND state = old.state;
        END;
        CREATE TRIGGER deliveries_count_update AFTER UPDATE OF state ON deliveries
                WHEN old.state IS NOT new.state BEGIN
            UPDATE state_counts SET n = n - 1 WHERE tbl = 'deliveries' AND state = old.state;
            INSERT INTO state_counts (tbl, state, n) VALUES ('deliveries', new.state, 1)
                ON CONFLICT (tbl, state) DO UPDATE SET n = n + 1;
        END;

        CREATE INDEX followers_types ON followers(kind, first_seen_at, gone_at);
        CREATE INDEX mentions_holding ON mentions(holding_reply_at) WHERE kind = 'question';
        """
    )


@migrations()
def m009_notify19_outbox(db: Database) -> None:
    """Notifications: the events (written in the action's transaction), the messages the
    daemon makes of them and sends (the outbox), and each person's settings."""
    db.executescript(
        """
        CREATE TABLE notify_events (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            summary TEXT NOT NULL,
            recipients TEXT NOT NULL,
            urgent INTEGER NOT NULL DEFAULT 0,
            dedupe TEXT UNIQUE,
            created_at TEXT NOT NULL,
            fanned_out_at TEXT
        );
        CREATE INDEX notify_events_new ON notify_events(created_at) WHERE fanned_out_at IS NULL;
        CREATE TABLE notify_outbox (
            id INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL UNIQUE,
            event_id TEXT REFERENCES notify_events(id),
            channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
            login TEXT,
            target TEXT NOT NULL,
            digest INTEGER NOT NULL DEFAULT 0,
            digest_of INTEGER REFERENCES notify_outbox(id),
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'digested', 'dropped')),
            attempts INTEGER NOT NULL DEFAULT 0,
            in_doubt INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_error TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX notify_outbox_open ON notify_outbox(state, next_attempt_at)
            WHERE state IN ('pending', 'sending');
        CREATE INDEX notify_outbox_digest ON notify_outbox(digest_of) WHERE digest_of IS NOT NULL;
        CREATE TABLE notify_settings (
            login TEXT PRIMARY KEY REFERENCES people(login),
            email TEXT,
            events TEXT NOT NULL DEFAULT '[]',
            mode TEXT NOT NULL DEFAULT 'immediate' CHECK (mode IN ('immediate', 'digest')),
            quiet_start TEXT,
            quiet_end TEXT,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL
        );
        """
    )


@migrations()
def m011_export19_report_forwards(db: Database) -> None:
    """When each month's report was forwarded to the Executive Committee, as the
    Communications Committee Chair recorded it (one record a month)."""
    db.executescript(
        """
        CREATE TABLE report_forwards (
            month TEXT PRIMARY KEY,
            forwarded_on TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        );
        """
    )


@migrations()
def m011_inbox19_newest_first(db: Database) -> None:
    """The one inbox reads mentions and private messages newest first, a page at a time,
    by when they were written; without these each page sorted every row ever received."""
    db.executescript(
        """
        CREATE INDEX mentions_newest ON mentions(created_at);
        CREATE INDEX private_messages_newest ON private_messages(created_at);
        """
    )


@migrations()
def m011_delete17_deletions(db: Database) -> None:
    """Deleting what was published, and corrections (issue 17).

    The CHECK on `deliveries.state` (m001) cannot be altered in place, so a delivery's
    deletion lives beside it: a delivery that went out stays `sent` (it was published,
    and the audit log says so), and its row here says whether it was taken down since.
    A correction names the post it corrects; its deliveries record the platform post
    they answer, which the clearance covers."""
    db.executescript(
        """
        CREATE TABLE deletions (
            delivery_id INTEGER PRIMARY KEY REFERENCES deliveries(id),
            post_id INTEGER NOT NULL REFERENCES posts(id),
            outlet TEXT NOT NULL,
            platform_id TEXT NOT NULL,
            reason TEXT NOT NULL,
            requested_by TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'deleted', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            last_error TEXT,
            deleted_at TEXT
        );
        CREATE INDEX deletions_open ON deletions(outlet, state, next_attempt_at);
        CREATE INDEX deletions_post ON deletions(post_id);

        ALTER TABLE posts ADD COLUMN correction_of INTEGER REFERENCES posts(id);
        ALTER TABLE posts ADD COLUMN delete_original INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE deliveries ADD COLUMN in_reply_to TEXT;
        """
    )


@migrations()
def m011_ack19_policy_acknowledgements(db: Database) -> None:
    """Which version of the policy and screening rules is in force, and who has read and
    acknowledged which version (the policy: administrators "educated on appropriate
    posting protocol")."""
    db.executescript(
        """
        CREATE TABLE policy_versions (
            version TEXT PRIMARY KEY,
            text_sha256 TEXT NOT NULL,
            rules_sha256 TEXT NOT NULL,
            current INTEGER NOT NULL DEFAULT 0,
            recorded_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX policy_versions_current ON policy_versions(current) WHERE current = 1;
        CREATE TABLE policy_acknowledgements (
            login TEXT NOT NULL REFERENCES people(login),
            version TEXT NOT NULL REFERENCES policy_versions(version),
            acknowledged_at TEXT NOT NULL,
            PRIMARY KEY (login, version)
        );
        """
    )


@migrations()
def m012_lead_private_answers(db: Database) -> None:
    """Private answers to private messages, sent by the daemon to the sender alone
    (`domain/private_answers.py`); `attempt_key` is the platform's Idempotency-Key."""
    db.executescript(
        """
        CREATE TABLE private_answers (
            id INTEGER PRIMARY KEY,
            message_id INTEGER NOT NULL REFERENCES private_messages(id),
            outlet TEXT NOT NULL,
            recipient_id TEXT NOT NULL,
            recipient_handle TEXT NOT NULL,
            in_reply_to TEXT NOT NULL,
            text TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'in_doubt')),
            attempt_key TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            platform_id TEXT,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            claimed_at TEXT,
            sent_at TEXT
        );
        CREATE INDEX private_answers_due ON private_answers(outlet, state);
        CREATE UNIQUE INDEX private_answers_platform_id ON private_answers(outlet, platform_id)
            WHERE platform_id IS NOT NULL;
        """
    )


@migrations()
def m012_media_attachments(db: Database) -> None:
    """Images and video attached to a post (issue 17, "Media with alt text"): the stored
    copy with its metadata stripped (the path the daemon reads, and the SHA-256 of its
    bytes, which the clearance covers), what it is, and its alt text. No upload ids are
    kept: an upload repeated after a crash only leaves an unattached upload, which the
    platforms discard."""
    db.executescript(
        """
        CREATE TABLE post_media (
            id INTEGER PRIMARY KEY,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            mime TEXT NOT NULL,
            width INTEGER,
            height INTEGER,
            size INTEGER NOT NULL,
            alt TEXT NOT NULL DEFAULT '',
            name TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at TEXT NOT NULL,
            UNIQUE (post_id, position)
        );
        CREATE INDEX post_media_post ON post_media(post_id);
        """
    )


@migrations()
def m012_shares_reposts_quotes(db: Database) -> None:
    """Shares: reposts and quotes of another account's post (issue 17).

    `shares` holds what a share is of: the address people gave, and once the daemon has
    fetched it (the UI holds no platform tokens), the original's author, text and date as
    fetched, which is what was screened and what the clearer saw (`changed`: it read
    otherwise when the daemon was to publish). `share_targets` names,
    per outlet, the original's id on that outlet's platform, where it can be reposted or
    quoted there natively; an outlet without a row gets our text with a link."""
    db.executescript(
        """
        CREATE TABLE shares (
            post_id INTEGER PRIMARY KEY REFERENCES posts(id),
            url TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'resolving'
                CHECK (state IN ('resolving', 'resolved', 'unresolvable', 'gone', 'changed')),
            original_url TEXT,
            author_handle TEXT,
            author_name TEXT,
            original_text TEXT,
            original_created_at TEXT,
            note TEXT,
            requested_at TEXT NOT NULL,
            resolved_at TEXT
        );
        CREATE INDEX shares_resolving ON shares(state) WHERE state = 'resolving';
        CREATE TABLE share_targets (
            post_id INTEGER NOT NULL REFERENCES shares(post_id),
            outlet TEXT NOT NULL,
            platform_id TEXT NOT NULL,
            quotable INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (post_id, outlet)
        ) WITHOUT ROWID;
        """
    )


@migrations()
def m012_threads_parts_polls(db: Database) -> None:
    """Threads and polls (issue 17). A thread's parts after the first are kept in order
    with their post; a poll (2 to 4 options and how long it is open) rides on the first
    part. A delivery is now one part on one outlet: `deliveries.part` (1 for every post
    until now), unique per post, outlet and part.

    The UNIQUE (post_id, outlet) of m001 cannot be altered in place, so the table is
    rebuilt from its own stored definition (columns later migrations added are kept).
    Migrations run in a transaction with foreign keys on, where dropping a table others
    reference counts a violation for each referencing row; so those rows are set aside
    first and put back once the new table holds every delivery under its old id."""
    conn = db.conn
    sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
    ).fetchone()[0]
    old_unique = "UNIQUE (post_id, outlet)"
    if old_unique not in sql:
        raise RuntimeError("deliveries: its UNIQUE (post_id, outlet) is not where m012 expects")
    columns = [row[1] for row in conn.execute("PRAGMA table_info(deliveries)")]
    rebuilt = sql.replace("CREATE TABLE deliveries", "CREATE TABLE deliveries_m012", 1).replace(
        old_unique, "part INTEGER NOT NULL DEFAULT 1 CHECK (part >= 1),\n"
        "            UNIQUE (post_id, outlet, part)")
    attached = conn.execute(
        "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'deliveries'"
        " AND type IN ('index', 'trigger') AND sql IS NOT NULL").fetchall()
    children = sorted({table for (table,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")
        if any(fk[2] == "deliveries"
               for fk in conn.execute(f"PRAGMA foreign_key_list('{table}')"))})
    for child in children:
        conn.execute(f"CREATE TEMP TABLE m012_{child} AS SELECT * FROM main.\"{child}\"")
        conn.execute(f"DELETE FROM main.\"{child}\"")
    conn.execute(rebuilt)
    listed = ", ".join(columns)
    conn.execute(f"INSERT INTO deliveries_m012 ({listed}) SELECT {listed} FROM deliveries")
    conn.execute("DROP TABLE deliveries")
    conn.execute("ALTER TABLE deliveries_m012 RENAME TO deliveries")
    for _kind, statement in attached:
        conn.execute(statement)
    for child in children:
        conn.execute(f"INSERT INTO main.\"{child}\" SELECT * FROM temp.m012_{child}")
        conn.execute(f"DROP TABLE temp.m012_{child}")
    db.executescript(
        """
        -- A thread's parts after the first (the first is the post's body), in order.
        CREATE TABLE post_parts (
            post_id INTEGER NOT NULL REFERENCES posts(id),
            part INTEGER NOT NULL CHECK (part >= 2),
            body TEXT NOT NULL,
            PRIMARY KEY (post_id, part)
        ) WITHOUT ROWID;

        -- A post's poll: its options (a JSON list, in order) and how long it is open.
        CREATE TABLE post_polls (
            post_id INTEGER PRIMARY KEY REFERENCES posts(id),
            options TEXT NOT NULL,
            minutes INTEGER NOT NULL CHECK (minutes > 0)
        );

        -- A published poll's results as last read from the platform (the metrics job).
        CREATE TABLE poll_results (
            delivery_id INTEGER PRIMARY KEY REFERENCES deliveries(id),
            at TEXT NOT NULL,
            votes TEXT NOT NULL,
            closed INTEGER NOT NULL DEFAULT 0
        );
        """
    )


@migrations()
def m013_leftovers_outlet_limits(db: Database) -> None:
    """An outlet's own limits as the daemon last read them from its server (a Mastodon
    server's `configuration.polls` in /api/v2/instance), for the domain to check a poll
    against when it is written, submitted and cleared: the UI holds no platform tokens and
    reads them here. No row, or a null: the capabilities' defaults stand."""
    db.executescript(
        """
        CREATE TABLE outlet_limits (
            outlet TEXT PRIMARY KEY,
            polls TEXT,
            read_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """
    )

/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`. Append only:
 * a released migration is never edited.
 *
 * One file, however long: the schema's history is one ordered list, and each release only
 * appends to it.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    display_name TEXT,
    avatar_url TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE accounts (
    username TEXT PRIMARY KEY COLLATE NOCASE,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('private', 'group')),
    private_key TEXT UNIQUE,
    title TEXT,
    avatar_url TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE members (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at INTEGER NOT NULL,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
  ) WITHOUT ROWID;
  CREATE INDEX members_by_user ON members(user_id);
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    sender_id TEXT,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    reply_to TEXT,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted_at INTEGER,
    UNIQUE (conversation_id, seq)
  );
  `,
  `
  ALTER TABLE conversations ADD COLUMN last_event_seq INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE events (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    event_seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    message_id TEXT,
    user_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, event_seq)
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE messages ADD COLUMN attachment TEXT;
  CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id),
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT,
    width INTEGER,
    height INTEGER,
    complete INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX uploads_expiring ON uploads(expires_at) WHERE message_id IS NULL;
  `,
  `
  CREATE TABLE contacts (
    id TEXT PRIMARY KEY REFERENCES users(id),
    conversation_id TEXT REFERENCES conversations(id),
    preferred_channel_id TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE channel_identities (
    channel_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    contact_id TEXT NOT NULL REFERENCES contacts(id),
    display_name TEXT,
    username TEXT,
    last_inbound_at INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, external_id)
  ) WITHOUT ROWID;
  CREATE INDEX channel_identities_by_contact ON channel_identities(contact_id);
  CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    channel_id TEXT,
    channel TEXT,
    recipient_id TEXT,
    status TEXT NOT NULL,
    external_id TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    dead INTEGER NOT NULL DEFAULT 0,
    history TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (message_id, contact_id)
  );
  CREATE UNIQUE INDEX deliveries_by_external_id ON deliveries(channel_id, external_id) WHERE external_id IS NOT NULL;
  CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  CREATE INDEX deliveries_queue ON deliveries(conversation_id, contact_id, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_dead ON deliveries(created_at, id) WHERE dead = 1;
  CREATE TABLE early_statuses (
    channel_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    status TEXT NOT NULL,
    at INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (channel_id, external_id, status)
  );
  `,
  `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    description TEXT,
    enabled INTEGER NOT NULL DEFAULT 1,
    failures INTEGER NOT NULL DEFAULT 0,
    disabled_reason TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE webhook_calls (
    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    done_at INTEGER,
    PRIMARY KEY (webhook_id, event_id)
  );
  CREATE INDEX webhook_calls_due ON webhook_calls(next_attempt_at) WHERE done_at IS NULL;
  CREATE INDEX webhook_calls_done ON webhook_calls(done_at) WHERE done_at IS NOT NULL;
  `,
  // Each user's unfinished uploads are counted against a quota when they start another.
  `
  CREATE INDEX uploads_open ON uploads(owner_id) WHERE complete = 0;
  `,
  // What the app keeps about a user that other users must not read (the server API key only).
  `
  ALTER TABLE users ADD COLUMN private_metadata TEXT NOT NULL DEFAULT '{}';
  `,
  // The platform's ids of a delivery's parts, when a message goes out as several.
  `
  ALTER TABLE deliveries ADD COLUMN parts TEXT NOT NULL DEFAULT '[]';
  `,
  // Channel accounts whose credentials the platform refused: their deliveries wait.
  `
  CREATE TABLE channel_holds (
    channel_id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    platform_code TEXT,
    message TEXT NOT NULL,
    since INTEGER NOT NULL
  );
  `,
  // The structured content of a message from an external channel (a location, contact cards…).
  `
  ALTER TABLE messages ADD COLUMN content TEXT;
  `,
  // A message's reactions: per key, who reacted and when.
  `
  ALTER TABLE messages ADD COLUMN reactions TEXT NOT NULL DEFAULT '[]';
  `,
  // Each part's own status when a message goes as several, and each part's id found in one look.
  `
  ALTER TABLE deliveries ADD COLUMN part_statuses TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE delivery_parts (
    channel_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    delivery_id TEXT NOT NULL REFERENCES deliveries(id),
    PRIMARY KEY (channel_id, external_id)
  ) WITHOUT ROWID;
  `,
  // Mentions: whom each message mentions, who may mention everyone, and an index of mentions by
  // member (GROUP_MENTION '*' for everyone) so unread mention counts read only their own rows.
  `
  ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE conversations ADD COLUMN group_mentions TEXT NOT NULL DEFAULT 'admins';
  CREATE TABLE message_mentions (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sender_id TEXT,
    PRIMARY KEY (conversation_id, user_id, seq)
  ) WITHOUT ROWID;
  `,
  // The size of an upload's thumbnail, when the relay made one (an image's, beside its bytes).
  `
  ALTER TABLE uploads ADD COLUMN thumbnail_width INTEGER;
  ALTER TABLE uploads ADD COLUMN thumbnail_height INTEGER;
  `,
  // Each member's own view of the conversation: muted until when, archived, pinned (when), marked unread.
  `
  ALTER TABLE members ADD COLUMN muted_until INTEGER;
  ALTER TABLE members ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE members ADD COLUMN pinned_at INTEGER;
  ALTER TABLE members ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX members_pinned ON members(user_id) WHERE pinned_at IS NOT NULL;
  `,
  // Pinned messages: who pinned each and when, and until when if not for good.
  `
  CREATE TABLE pins (
    conversation_id TEXT NOT NULL REFERENCES conversations(id),
    message_id TEXT NOT NULL REFERENCES messages(id),
    pinned_by TEXT,
    pinned_at INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (conversation_id, message_id)
  ) WITHOUT ROWID;
  `,
  // Full-text search over message text: an FTS5 index on messages' own rows (external content, so the
  // text is stored once), kept by triggers in the transaction of each append, edit and delete (a delete
  // empties the text, so a deleted message leaves the index). Words are split on anything but letters,
  // digits and marks; case folded, accents kept, as PostgreSQL's 'simple' configuration does.
  // The index names messages by rowid: a VACUUM that renumbers rows is repaired with
  // INSERT INTO messages_fts(messages_fts) VALUES ('rebuild'), which this migration also runs to index
  // the messages already there.
  `
  CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 0'
  );
  INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text);
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
  END;
  `,
  // Link previews found at the links in a message's text, added after the append; JSON.
  `
  ALTER TABLE messages ADD COLUMN previews TEXT NOT NULL DEFAULT '[]';
  `,
  // Threads: a reply names its root (thread_id) and whether it also shows in the conversation; a
  // root keeps its thread's summary as JSON; an index of replies by thread for a thread's pages and
  // unread counts; each member's read horizon per thread.
  `
  ALTER TABLE messages ADD COLUMN thread_id TEXT;
  ALTER TABLE messages ADD COLUMN show_in_conversation INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN thread TEXT;
  CREATE INDEX messages_thread ON messages (conversation_id, thread_id, seq) WHERE thread_id IS NOT NULL;
  CREATE TABLE thread_reads (
    conversation_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    read_seq INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, thread_id, user_id)
  ) WITHOUT ROWID;
  `,
  // Push devices: each user's Web Push subscriptions, one row per endpoint (an endpoint moves to
  // whoever registers it last), looked up by user when a message notifies its members.
  `
  CREATE TABLE push_devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    endpoint TEXT NOT NULL UNIQUE,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX push_devices_by_user ON push_devices (user_id);
  `,
  // Push preferences: what each user is notified of (muted_mentions null: the relay's default applies).
  `
  -- push preferences
  CREATE TABLE push_preferences (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    messages INTEGER NOT NULL,
    mentions INTEGER NOT NULL,
    thread_replies INTEGER NOT NULL,
    muted_mentions INTEGER,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // Push devices of every kind: FCM and APNs tokens beside Web Push subscriptions. A token's
  // device keeps its uniqueness in `endpoint` (as `<kind>:<token>`, never a URL), so one token
  // is one device, moved to whoever registers it last, as an endpoint is; no table is rebuilt.
  `
  -- push providers
  ALTER TABLE push_devices ADD COLUMN kind TEXT NOT NULL DEFAULT 'webpush';
  ALTER TABLE push_devices ADD COLUMN token TEXT;
  ALTER TABLE push_devices ADD COLUMN environment TEXT;
  `,
  // Moderation decisions: one per message id the content rules or the before-send hook decided
  // (a claim while the hook is asked, with its owner and lease), so a retried id gets the same
  // decision; rejected messages stay as the audit of what was refused.
  `
  -- moderation decisions
  CREATE TABLE moderation_decisions (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    sender_id TEXT,
    owner TEXT,
    lease_until INTEGER NOT NULL,
    origin TEXT,
    action TEXT,
    reason TEXT,
    text TEXT,
    source TEXT,
    message TEXT,
    decided_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX moderation_rejected ON moderation_decisions (conversation_id, decided_at) WHERE action = 'reject';
  `,
  // Privacy: data exports built in the background (a job row any node claims under a lease), the
  // retention sweep's lease and cursor, a conversation's own retention, and the indexes that find
  // a person's messages and files and a conversation's oldest live messages.
  `
  -- privacy
  CREATE TABLE privacy_exports (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'building', 'ready', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    size INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    ready_at INTEGER,
    expires_at INTEGER
  );
  CREATE INDEX privacy_exports_by_user ON privacy_exports (user_id, created_at);
  CREATE INDEX privacy_exports_open ON privacy_exports (created_at) WHERE status IN ('pending', 'building');
  CREATE INDEX privacy_exports_expiring ON privacy_exports (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE privacy_sweeps (
    name TEXT PRIMARY KEY,
    holder TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    cursor TEXT
  );
  ALTER TABLE conversations ADD COLUMN retention_days INTEGER;
  CREATE INDEX messages_by_sender ON messages (sender_id, id) WHERE sender_id IS NOT NULL;
  CREATE INDEX messages_live_by_age ON messages (conversation_id, created_at) WHERE deleted_at IS NULL;
  CREATE INDEX uploads_by_owner ON uploads (owner_id, id);
  CREATE INDEX uploads_by_message ON uploads (message_id) WHERE message_id IS NOT NULL;
  `,
  `
  -- safety
  -- Blocks between users (contacts are users), mutes and bans of members per conversation, and
  -- members' reports of messages: one per reporter per message, listed by status in creation order.
  CREATE TABLE blocks (
    blocker_id TEXT NOT NULL,
    blocked_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
  );
  CREATE INDEX blocks_by_blocked ON blocks (blocked_id);
  CREATE TABLE member_restrictions (
    conversation_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('mute', 'ban')),
    until INTEGER,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id, kind)
  );
  CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    reporter_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    text TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'dismissed')),
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    note TEXT,
    UNIQUE (message_id, reporter_id)
  );
  CREATE INDEX reports_by_status ON reports (status, created_at, id);
  `,
  // Moderation: a hash of what each decision judged, so a retry with another body does not get it.
  `
  -- moderation digest
  ALTER TABLE moderation_decisions ADD COLUMN digest TEXT;
  `,
  // Search indexed behind the appends (see `SqliteSearchIndex`): no trigger indexes a new message;
  // `search_state.indexed_rowid` marks how far the index has caught up, and the edit and delete
  // triggers touch only messages the index holds. A VACUUM that renumbers rows is repaired with
  // INSERT INTO messages_fts(messages_fts) VALUES ('rebuild') and the mark set to MAX(rowid).
  `
  -- search behind the appends
  DROP TRIGGER messages_fts_insert;
  DROP TRIGGER messages_fts_update;
  DROP TRIGGER messages_fts_delete;
  CREATE TABLE search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_rowid INTEGER NOT NULL
  );
  INSERT INTO search_state (id, indexed_rowid) SELECT 1, IFNULL(MAX(rowid), 0) FROM messages;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
    WHEN old.rowid <= (SELECT indexed_rowid FROM search_state) BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO messages_fts(rowid, text) VALUES (new.rowid, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text)
      SELECT 'delete', old.rowid, old.text WHERE old.rowid <= (SELECT indexed_rowid FROM search_state);
    UPDATE search_state SET indexed_rowid = (SELECT IFNULL(MAX(rowid), 0) FROM messages)
      WHERE indexed_rowid > (SELECT IFNULL(MAX(rowid), 0) FROM messages);
  END;
  `,
  // Erased users: their row stays (messages, members and audit point at it), kept out of the directory.
  `
  ALTER TABLE users ADD COLUMN erased_at INTEGER;
  `,
  // Agent inboxes: where a conversation stands, and who and which team it is assigned to.
  `
  -- conversation status and assignment
  ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'resolved'));
  ALTER TABLE conversations ADD COLUMN assignee_id TEXT;
  ALTER TABLE conversations ADD COLUMN team_id TEXT;
  `,
];

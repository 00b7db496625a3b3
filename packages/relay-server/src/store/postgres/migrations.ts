/**
 * Schema versions, applied in order and recorded in `chat4all_migrations`. Append only:
 * a released migration is never edited. Times are epoch milliseconds (`bigint`); metadata
 * is JSON text, as in the SQLite schema, so both adapters share their row mapping.
 *
 * One file, however long: the schema's history is one ordered list, and each release only
 * appends to it.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id text PRIMARY KEY,
    display_name text,
    avatar_url text,
    metadata text NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE accounts (
    username text NOT NULL,
    user_id text NOT NULL UNIQUE REFERENCES users(id),
    password_hash text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE UNIQUE INDEX accounts_username ON accounts (lower(username));
  CREATE TABLE refresh_tokens (
    token_hash text PRIMARY KEY,
    family_id text NOT NULL,
    user_id text NOT NULL REFERENCES users(id),
    expires_at bigint NOT NULL,
    used_at bigint,
    revoked_at bigint
  );
  CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
  CREATE TABLE conversations (
    id text PRIMARY KEY,
    type text NOT NULL CHECK (type IN ('private', 'group')),
    private_key text UNIQUE,
    title text,
    avatar_url text,
    metadata text NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    last_activity_at bigint NOT NULL,
    last_seq integer NOT NULL DEFAULT 0,
    last_event_seq integer NOT NULL DEFAULT 0
  );
  CREATE TABLE members (
    conversation_id text NOT NULL REFERENCES conversations(id),
    user_id text NOT NULL REFERENCES users(id),
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at bigint NOT NULL,
    delivered_seq integer NOT NULL DEFAULT 0,
    read_seq integer NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
  );
  CREATE INDEX members_by_user ON members (user_id);
  CREATE TABLE messages (
    id text PRIMARY KEY,
    conversation_id text NOT NULL REFERENCES conversations(id),
    seq integer NOT NULL,
    kind text NOT NULL,
    sender_id text,
    text text NOT NULL,
    metadata text NOT NULL DEFAULT '{}',
    reply_to text,
    created_at bigint NOT NULL,
    edited_at bigint,
    deleted_at bigint,
    UNIQUE (conversation_id, seq)
  );
  CREATE TABLE events (
    conversation_id text NOT NULL REFERENCES conversations(id),
    event_seq integer NOT NULL,
    type text NOT NULL,
    message_id text,
    user_id text,
    created_at bigint NOT NULL,
    PRIMARY KEY (conversation_id, event_seq)
  );
  `,
  `
  ALTER TABLE messages ADD COLUMN attachment text;
  CREATE TABLE uploads (
    id text PRIMARY KEY,
    owner_id text NOT NULL REFERENCES users(id),
    conversation_id text NOT NULL REFERENCES conversations(id),
    name text NOT NULL,
    type text NOT NULL,
    size bigint NOT NULL,
    sha256 text,
    width integer,
    height integer,
    complete boolean NOT NULL DEFAULT false,
    message_id text,
    created_at bigint NOT NULL,
    expires_at bigint
  );
  CREATE INDEX uploads_expiring ON uploads (expires_at) WHERE message_id IS NULL;
  `,
  `
  CREATE TABLE contacts (
    id text PRIMARY KEY REFERENCES users(id),
    conversation_id text REFERENCES conversations(id),
    preferred_channel_id text,
    created_at bigint NOT NULL
  );
  CREATE TABLE channel_identities (
    channel_id text NOT NULL,
    external_id text NOT NULL,
    channel text NOT NULL,
    contact_id text NOT NULL REFERENCES contacts(id),
    display_name text,
    username text,
    last_inbound_at bigint,
    created_at bigint NOT NULL,
    PRIMARY KEY (channel_id, external_id)
  );
  CREATE INDEX channel_identities_by_contact ON channel_identities (contact_id);
  CREATE TABLE deliveries (
    id text PRIMARY KEY,
    message_id text NOT NULL,
    conversation_id text NOT NULL,
    contact_id text NOT NULL,
    seq integer NOT NULL,
    channel_id text,
    channel text,
    recipient_id text,
    status text NOT NULL,
    external_id text,
    error text,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint,
    dead boolean NOT NULL DEFAULT false,
    history text NOT NULL DEFAULT '[]',
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    UNIQUE (message_id, contact_id)
  );
  CREATE UNIQUE INDEX deliveries_by_external_id ON deliveries (channel_id, external_id) WHERE external_id IS NOT NULL;
  CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  CREATE INDEX deliveries_queue ON deliveries (conversation_id, contact_id, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_dead ON deliveries (created_at, id) WHERE dead;
  CREATE TABLE early_statuses (
    channel_id text NOT NULL,
    external_id text NOT NULL,
    status text NOT NULL,
    at bigint NOT NULL,
    error text,
    PRIMARY KEY (channel_id, external_id, status)
  );
  `,
  `
  CREATE TABLE webhooks (
    id text PRIMARY KEY,
    url text NOT NULL,
    events text NOT NULL,
    secret text NOT NULL,
    description text,
    enabled boolean NOT NULL DEFAULT true,
    failures integer NOT NULL DEFAULT 0,
    disabled_reason text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE webhook_calls (
    webhook_id text NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id text NOT NULL,
    type text NOT NULL,
    payload text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    created_at bigint NOT NULL,
    done_at bigint,
    PRIMARY KEY (webhook_id, event_id)
  );
  CREATE INDEX webhook_calls_due ON webhook_calls (next_attempt_at) WHERE done_at IS NULL;
  CREATE INDEX webhook_calls_done ON webhook_calls (done_at) WHERE done_at IS NOT NULL;
  `,
  // Appends lock the conversation row and insert only into conversations that exist, and
  // conversations are never deleted: the per-row foreign-key check cost PostgreSQL more
  // CPU than the rest of the insert.
  `
  ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_fkey;
  `,
  // Each user's unfinished uploads are counted against a quota when they start another.
  `
  CREATE INDEX uploads_open ON uploads (owner_id) WHERE NOT complete;
  `,
  // What the app keeps about a user that other users must not read (the server API key only).
  `
  ALTER TABLE users ADD COLUMN private_metadata text NOT NULL DEFAULT '{}';
  `,
  // The platform's ids of a delivery's parts, when a message goes out as several.
  `
  ALTER TABLE deliveries ADD COLUMN parts text NOT NULL DEFAULT '[]';
  `,
  // Channel accounts whose credentials the platform refused: their deliveries wait.
  `
  CREATE TABLE channel_holds (
    channel_id text PRIMARY KEY,
    code text NOT NULL,
    platform_code text,
    message text NOT NULL,
    since bigint NOT NULL
  );
  `,
  // The structured content of a message from an external channel (a location, contact cards…).
  `
  ALTER TABLE messages ADD COLUMN content text;
  `,
  // A message's reactions: per key, who reacted and when.
  `
  ALTER TABLE messages ADD COLUMN reactions text NOT NULL DEFAULT '[]';
  `,
  // Each part's own status when a message goes as several, and each part's id found in one look.
  `
  ALTER TABLE deliveries ADD COLUMN part_statuses text NOT NULL DEFAULT '[]';
  CREATE TABLE delivery_parts (
    channel_id text NOT NULL,
    external_id text NOT NULL,
    delivery_id text NOT NULL REFERENCES deliveries(id),
    PRIMARY KEY (channel_id, external_id)
  );
  `,
  // Mentions: whom each message mentions, who may mention everyone, and an index of mentions by
  // member (GROUP_MENTION '*' for everyone) so unread mention counts read only their own rows.
  `
  ALTER TABLE messages ADD COLUMN mentions text NOT NULL DEFAULT '[]';
  ALTER TABLE conversations ADD COLUMN group_mentions text NOT NULL DEFAULT 'admins';
  CREATE TABLE message_mentions (
    conversation_id text NOT NULL,
    user_id text NOT NULL,
    seq integer NOT NULL,
    sender_id text,
    PRIMARY KEY (conversation_id, user_id, seq)
  );
  `,
  // The size of an upload's thumbnail, when the relay made one (an image's, beside its bytes).
  `
  ALTER TABLE uploads ADD COLUMN thumbnail_width integer;
  ALTER TABLE uploads ADD COLUMN thumbnail_height integer;
  `,
  // Each member's own view of the conversation: muted until when, archived, pinned (when), marked unread.
  `
  ALTER TABLE members ADD COLUMN muted_until bigint;
  ALTER TABLE members ADD COLUMN archived boolean NOT NULL DEFAULT false;
  ALTER TABLE members ADD COLUMN pinned_at bigint;
  ALTER TABLE members ADD COLUMN marked_unread boolean NOT NULL DEFAULT false;
  CREATE INDEX members_pinned ON members (user_id) WHERE pinned_at IS NOT NULL;
  `,
  // Pinned messages: who pinned each and when, and until when if not for good.
  `
  CREATE TABLE pins (
    conversation_id text NOT NULL REFERENCES conversations(id),
    message_id text NOT NULL REFERENCES messages(id),
    pinned_by text,
    pinned_at bigint NOT NULL,
    expires_at bigint,
    PRIMARY KEY (conversation_id, message_id)
  );
  `,
  // Full-text search over message text: a generated tsvector (the 'simple' configuration: lower case,
  // no stemming and no stop words, so every language is searchable alike) with a GIN index. Being
  // generated, it follows every append, edit and delete in their own transaction, and adding it
  // indexes the messages already there. ASCII punctuation becomes spaces first, so the parser
  // splits words as SQLite's index does instead of keeping hosts, emails and numbers like 3.14 whole.
  `
  ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, translate(text, '!"#$%&''()*+,-./:;<=>?@[\\]^_\`{|}~', '${' '.repeat(32)}'))
  ) STORED;
  CREATE INDEX messages_search ON messages USING gin (search);
  `,
  // Link previews found at the links in a message's text, added after the append; JSON.
  `
  ALTER TABLE messages ADD COLUMN previews text NOT NULL DEFAULT '[]';
  `,
  // Threads: a reply names its root (thread_id) and whether it also shows in the conversation; a
  // root keeps its thread's summary as JSON; an index of replies by thread for a thread's pages and
  // unread counts; each member's read horizon per thread.
  `
  ALTER TABLE messages ADD COLUMN thread_id text;
  ALTER TABLE messages ADD COLUMN show_in_conversation boolean NOT NULL DEFAULT false;
  ALTER TABLE messages ADD COLUMN thread text;
  CREATE INDEX messages_thread ON messages (conversation_id, thread_id, seq) WHERE thread_id IS NOT NULL;
  CREATE TABLE thread_reads (
    conversation_id text NOT NULL,
    thread_id text NOT NULL,
    user_id text NOT NULL,
    read_seq integer NOT NULL,
    PRIMARY KEY (conversation_id, thread_id, user_id)
  );
  `,
  // Push devices: each user's Web Push subscriptions, one row per endpoint (an endpoint moves to
  // whoever registers it last), looked up by user when a message notifies its members.
  `
  CREATE TABLE push_devices (
    id text PRIMARY KEY,
    user_id text NOT NULL REFERENCES users(id),
    endpoint text NOT NULL UNIQUE,
    p256dh text NOT NULL,
    auth text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX push_devices_by_user ON push_devices (user_id);
  `,
  // Push preferences: what each user is notified of (muted_mentions null: the relay's default applies).
  `
  -- push preferences
  CREATE TABLE push_preferences (
    user_id text PRIMARY KEY REFERENCES users(id),
    messages boolean NOT NULL,
    mentions boolean NOT NULL,
    thread_replies boolean NOT NULL,
    muted_mentions boolean,
    updated_at bigint NOT NULL
  );
  `,
  // Push devices of every kind: FCM and APNs tokens beside Web Push subscriptions. A token's
  // device keeps its uniqueness in `endpoint` (as `<kind>:<token>`, never a URL), so one token
  // is one device, moved to whoever registers it last, as an endpoint is; no table is rebuilt.
  `
  -- push providers
  ALTER TABLE push_devices ADD COLUMN kind text NOT NULL DEFAULT 'webpush';
  ALTER TABLE push_devices ADD COLUMN token text;
  ALTER TABLE push_devices ADD COLUMN environment text;
  `,
  // Moderation decisions: one per message id the content rules or the before-send hook decided
  // (a claim while the hook is asked, with its owner and lease), so a retried id gets the same
  // decision; rejected messages stay as the audit of what was refused.
  `
  -- moderation decisions
  CREATE TABLE moderation_decisions (
    message_id text PRIMARY KEY,
    conversation_id text NOT NULL,
    sender_id text,
    owner text,
    lease_until bigint NOT NULL,
    origin text,
    action text,
    reason text,
    text text,
    source text,
    message text,
    decided_at bigint,
    created_at bigint NOT NULL
  );
  CREATE INDEX moderation_rejected ON moderation_decisions (conversation_id, decided_at) WHERE action = 'reject';
  `,
  // Privacy: data exports built in the background (a job row any node claims under a lease), the
  // retention sweep's lease and cursor, a conversation's own retention, and the indexes that find
  // a person's messages and files and a conversation's oldest live messages.
  `
  -- privacy
  CREATE TABLE privacy_exports (
    id text PRIMARY KEY,
    user_id text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'building', 'ready', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    lease_until bigint,
    size bigint,
    error text,
    created_at bigint NOT NULL,
    ready_at bigint,
    expires_at bigint
  );
  CREATE INDEX privacy_exports_by_user ON privacy_exports (user_id, created_at);
  CREATE INDEX privacy_exports_open ON privacy_exports (created_at) WHERE status IN ('pending', 'building');
  CREATE INDEX privacy_exports_expiring ON privacy_exports (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE privacy_sweeps (
    name text PRIMARY KEY,
    holder text,
    lease_until bigint NOT NULL DEFAULT 0,
    cursor text
  );
  ALTER TABLE conversations ADD COLUMN retention_days bigint;
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
    blocker_id text NOT NULL,
    blocked_id text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
  );
  CREATE INDEX blocks_by_blocked ON blocks (blocked_id);
  CREATE TABLE member_restrictions (
    conversation_id text NOT NULL,
    user_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('mute', 'ban')),
    until bigint,
    created_by text,
    created_at bigint NOT NULL,
    PRIMARY KEY (conversation_id, user_id, kind)
  );
  CREATE TABLE reports (
    id text PRIMARY KEY,
    conversation_id text NOT NULL,
    message_id text NOT NULL,
    reporter_id text NOT NULL,
    reason text NOT NULL,
    text text,
    status text NOT NULL CHECK (status IN ('open', 'resolved', 'dismissed')),
    created_at bigint NOT NULL,
    closed_at bigint,
    note text,
    UNIQUE (message_id, reporter_id)
  );
  CREATE INDEX reports_by_status ON reports (status, created_at, id);
  `,
  // Moderation: a hash of what each decision judged, so a retry with another body does not get it.
  `
  -- moderation digest
  ALTER TABLE moderation_decisions ADD COLUMN digest text;
  `,
  // Erased users: their row stays (messages, members and audit point at it), kept out of the directory.
  `
  -- erased users
  ALTER TABLE users ADD COLUMN erased_at bigint;
  `,
  // Agent inboxes: where a conversation stands, and who and which team it is assigned to.
  `
  -- conversation status and assignment
  ALTER TABLE conversations ADD COLUMN status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'resolved'));
  ALTER TABLE conversations ADD COLUMN assignee_id text;
  ALTER TABLE conversations ADD COLUMN team_id text;
  `,
];

import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticator.js';
import type { SessionService } from './auth/sessions.js';
import type { TokenService } from './auth/tokens.js';
import type { Bus } from './bus/types.js';
import type { Channels } from './channels/channels.js';
import type { DeliveryService } from './channels/deliveries.js';
import type { Dispatcher } from './channels/dispatcher.js';
import type { ChannelHealthService } from './channels/health.js';
import type { InboundService } from './channels/inbound.js';
import type { RelayConfig } from './config.js';
import type { ConversationService } from './conversations/service.js';
import type { Limits } from './limits/limits.js';
import type { MessageService } from './messages/service.js';
import type { RelayMetrics } from './observability/metrics.js';
import type { Hub } from './realtime/hub.js';
import type { PresenceTracker } from './realtime/presence.js';
import type { TypingTracker } from './realtime/typing.js';
import type { GroupCommit } from './store/group-commit.js';
import type { AppendInput, AppendOutcome, ReceiptInput, ReceiptOutcome, Store } from './store/types.js';
import type { UploadService } from './uploads/service.js';
import type { WebhookService } from './webhooks/service.js';

/** What every route plugin is given: the config and the relay's long-lived parts. */
export interface RelayContext {
  readonly config: RelayConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly bus: Bus;
  readonly tokens: TokenService;
  readonly authenticator: Authenticator;
  readonly sessions: SessionService;
  readonly conversations: ConversationService;
  readonly appends: GroupCommit<AppendInput, AppendOutcome>;
  readonly receipts: GroupCommit<ReceiptInput, ReceiptOutcome>;
  readonly messages: MessageService;
  readonly hub: Hub;
  readonly typing: TypingTracker;
  readonly presence: PresenceTracker;
  readonly limits: Limits;
  readonly uploads: UploadService;
  readonly metrics: RelayMetrics;
  readonly channels: Channels;
  readonly inbound: InboundService;
  readonly deliveries: DeliveryService;
  readonly dispatcher: Dispatcher;
  readonly health: ChannelHealthService;
  readonly webhooks: WebhookService;
  /** Set when `close()` starts: new work is refused with SHUTTING_DOWN. */
  closing: boolean;
}

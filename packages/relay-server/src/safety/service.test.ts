import { describe, expect, it } from 'vitest';
import type { Publisher } from '../bus/node-events.js';
import type { ConversationService } from '../conversations/service.js';
import type { SendRestrictions, Store } from '../store/types.js';
import { SafetyService } from './service.js';

/** A store whose send checks answer when the test says, in any order, as a pool of connections may. */
function storeAnsweringLater() {
  const answers: Array<(restrictions: SendRestrictions) => void> = [];
  const store = {
    safety: {
      sendRestrictions: () => new Promise<SendRestrictions>((resolve) => answers.push(resolve)),
    },
  } as unknown as Store;
  return { store, answers };
}

const free: SendRestrictions = { mutedUntil: undefined, blocked: false };

describe('SafetyService.checkSend', () => {
  it('settles one conversation’s checks in the order they were asked for, whatever order the store answers in', async () => {
    const { store, answers } = storeAnsweringLater();
    const service = new SafetyService(store, {} as Publisher, {} as ConversationService, { write: async () => undefined });
    const settled: string[] = [];
    const first = service.checkSend('c1', 'ana').then(() => settled.push('first'));
    const second = service.checkSend('c1', 'bob').then(() => settled.push('second'));
    const system = service.checkSend('c1', null).then(() => settled.push('system'));
    const elsewhere = service.checkSend('c2', 'ana').then(() => settled.push('elsewhere'));
    // Both checks of c1 were sent to the store at once; the second answers first.
    expect(answers).toHaveLength(3);
    answers[1]?.(free);
    answers[2]?.(free);
    await elsewhere;
    expect(settled).toEqual(['elsewhere']);
    answers[0]?.({ mutedUntil: null, blocked: false });
    const refused = await first.catch((error: unknown) => error);
    await Promise.all([second, system]);
    expect(refused).toMatchObject({ code: 'MEMBER_MUTED', details: { until: null } });
    expect(settled).toEqual(['elsewhere', 'second', 'system']);
  });
});

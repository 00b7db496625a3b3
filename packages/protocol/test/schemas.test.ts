import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { CLIENT_FRAME_SCHEMAS, ClientFrame, CreateConversationBody, isErrorCode, MessageInput } from '../src/index.js';

describe('protocol schemas', () => {
  it('accepts each documented client frame and rejects extra fields', () => {
    const send = {
      type: 'message.send',
      id: 'r1',
      conversationId: 'c1',
      message: { id: '0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f', text: 'hi' },
    };
    expect(Value.Check(ClientFrame, send)).toBe(true);
    expect(Value.Check(ClientFrame, { ...send, extra: true })).toBe(false);
    expect(Value.Check(ClientFrame, { type: 'ping', id: 'p' })).toBe(true);
    expect(Object.keys(CLIENT_FRAME_SCHEMAS).sort()).toEqual([
      'auth',
      'message.delete',
      'message.edit',
      'message.send',
      'pin.add',
      'pin.remove',
      'ping',
      'presence.subscribe',
      'presence.unsubscribe',
      'reaction.add',
      'reaction.remove',
      'receipt',
      'resume',
      'thread.read',
      'typing',
    ]);
    const threadRead = { type: 'thread.read', id: 'r4', conversationId: 'c1', threadId: '0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f', seq: 3 };
    expect(Value.Check(ClientFrame, threadRead)).toBe(true);
    expect(Value.Check(ClientFrame, { ...threadRead, seq: -1 })).toBe(false);
    const reply = { ...send, message: { ...send.message, threadId: '0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f', showInConversation: true } };
    expect(Value.Check(ClientFrame, reply)).toBe(true);
    const reaction = { type: 'reaction.add', id: 'r2', conversationId: 'c1', messageId: '0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f', key: '👍' };
    expect(Value.Check(ClientFrame, reaction)).toBe(true);
    expect(Value.Check(ClientFrame, { ...reaction, key: 'thumbs up' })).toBe(false);
    const pin = { type: 'pin.add', id: 'r3', conversationId: 'c1', messageId: '0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f' };
    expect(Value.Check(ClientFrame, pin)).toBe(true);
    expect(Value.Check(ClientFrame, { ...pin, until: null })).toBe(true);
    expect(Value.Check(ClientFrame, { ...pin, pinnedBy: 'eve' })).toBe(false);
    expect(Value.Check(ClientFrame, { type: 'presence.subscribe', id: 'r4', userIds: ['bob'] })).toBe(true);
    expect(Value.Check(ClientFrame, { type: 'presence.subscribe', id: 'r4', userIds: [] })).toBe(false);
    expect(
      Value.Check(ClientFrame, { type: 'presence.subscribe', id: 'r4', userIds: Array.from({ length: 501 }, (_, i) => `u${i}`) }),
    ).toBe(false);
    expect(Value.Check(ClientFrame, { type: 'resume', id: 'r', cursors: { c1: [10, 2] } })).toBe(true);
    expect(Value.Check(ClientFrame, { type: 'resume', id: 'r', cursors: { c1: [10] } })).toBe(false);
  });

  it('requires a UUID message id, and takes an attachment as an upload id only', () => {
    const id = '0192f0c1-7a2b-7c3d-8e4f-5a6b7c8d9e0f';
    expect(Value.Check(MessageInput, { id: 'nope', text: 'x' })).toBe(false);
    expect(Value.Check(MessageInput, { id, text: '', attachment: { uploadId: 'a1b2' } })).toBe(true);
    expect(Value.Check(MessageInput, { id, text: '', attachment: { uploadId: 'a1b2', size: 5 } })).toBe(false);
  });

  it('discriminates conversation creation by type', () => {
    expect(Value.Check(CreateConversationBody, { type: 'private', userId: 'bob' })).toBe(true);
    expect(Value.Check(CreateConversationBody, { type: 'group', title: 'T', memberIds: ['a', 'b'] })).toBe(true);
    expect(Value.Check(CreateConversationBody, { type: 'private' })).toBe(false);
  });

  it('recognizes catalogue codes', () => {
    expect(isErrorCode('INTERNAL')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });
});

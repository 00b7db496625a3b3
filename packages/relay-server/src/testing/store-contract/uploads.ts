import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { appendPlan } from '../../messages/append-plan.js';
import type { Store } from '../../store/types.js';
import type { StoreFixture } from './fixture.js';

/** Uploads: what every adapter's `store.uploads` must do. */
export function uploadsContract(fixture: StoreFixture): void {
  describe('uploads', () => {
    const { group, now, input } = fixture;
    let store: Store;
    beforeEach(() => {
      store = fixture.store;
    });

    it('keeps uploads: owner, conversation, completion with checksum, one message, expiry', async () => {
      const conversation = await group();
      const record = {
        id: `up${randomUUID().replaceAll('-', '')}`,
        ownerId: 'ana',
        conversationId: conversation.id,
        name: 'photo.jpg',
        type: 'image/jpeg',
        size: 3 * 1024 ** 3,
        sha256: null,
        width: 640,
        height: 480,
        thumbnail: null,
        complete: false,
        messageId: null,
        createdAt: now,
        expiresAt: now + 1000,
      };
      await store.uploads.create(record);
      expect(await store.uploads.get(record.id)).toEqual(record);
      expect(await store.uploads.attach(record.id, randomUUID())).toBeNull();
      expect(await store.uploads.countOpen(record.ownerId)).toBe(1);
      const sha256 = 'a'.repeat(64);
      const complete = await store.uploads.complete(record.id, sha256, now + 5000);
      expect(await store.uploads.countOpen(record.ownerId)).toBe(0);
      expect(complete).toEqual({ ...record, complete: true, sha256, expiresAt: now + 5000 });
      expect(await store.uploads.expired(now + 4999, 10)).toEqual([]);
      expect(await store.uploads.expired(now + 5000, 10)).toEqual([record.id]);

      const messageId = randomUUID();
      expect(await store.uploads.attach(record.id, messageId)).toEqual({ ...complete, messageId, expiresAt: null });
      expect(await store.uploads.attach(record.id, messageId)).toMatchObject({ messageId });
      expect(await store.uploads.attach(record.id, randomUUID())).toBeNull();
      expect(await store.uploads.expired(now + 10_000, 10)).toEqual([]);

      const thumbnail = null;
      const attachment = {
        uploadId: record.id,
        name: 'photo.jpg',
        type: 'image/jpeg',
        size: record.size,
        sha256,
        width: 640,
        height: 480,
        thumbnail,
      };
      const [sent] = await store.messages.append(
        [input({ id: messageId, conversationId: conversation.id, kind: 'file', text: '', attachment })],
        appendPlan,
      );
      expect(sent).toMatchObject({ ok: true, message: { kind: 'file', text: '', attachment } });
      expect(await store.messages.get(conversation.id, messageId)).toMatchObject({ kind: 'file', attachment });
      const deleted = await store.messages.delete(conversation.id, messageId, now + 1);
      expect(deleted?.message.attachment).toBeNull();

      await store.uploads.delete(record.id);
      expect(await store.uploads.get(record.id)).toBeNull();
    });

    it('keeps what the relay found in an image: its size where the uploader gave none, and its thumbnail', async () => {
      const conversation = await group();
      const base = {
        ownerId: 'ana',
        conversationId: conversation.id,
        name: 'photo.png',
        type: 'image/png',
        size: 2048,
        sha256: null,
        thumbnail: null,
        complete: false,
        messageId: null,
        createdAt: now,
        expiresAt: now + 1000,
      };
      const unsized = { ...base, id: `up${randomUUID().replaceAll('-', '')}`, width: null, height: null };
      const sized = { ...base, id: `up${randomUUID().replaceAll('-', '')}`, width: 10, height: 20 };
      await store.uploads.create(unsized);
      await store.uploads.create(sized);
      const image = { width: 4000, height: 3000, thumbnail: { width: 320, height: 240 } };
      const sha256 = 'b'.repeat(64);
      expect(await store.uploads.complete(unsized.id, sha256, now + 5000, image)).toMatchObject({
        width: 4000,
        height: 3000,
        thumbnail: { width: 320, height: 240 },
      });
      expect(await store.uploads.get(unsized.id)).toMatchObject({ width: 4000, height: 3000, thumbnail: { width: 320, height: 240 } });
      expect(await store.uploads.complete(sized.id, sha256, now + 5000, { ...image, thumbnail: null })).toMatchObject({
        width: 10,
        height: 20,
        thumbnail: null,
      });
      // A poster's thumbnail, set later, while no message holds the upload; the size the uploader gave stays.
      expect(await store.uploads.setImage(sized.id, image)).toMatchObject({
        width: 10,
        height: 20,
        thumbnail: { width: 320, height: 240 },
      });
      expect(await store.uploads.get(sized.id)).toMatchObject({ thumbnail: { width: 320, height: 240 } });
      await store.uploads.attach(sized.id, randomUUID());
      expect(await store.uploads.setImage(sized.id, { ...image, thumbnail: null })).toBeNull();
      expect(await store.uploads.setImage(randomUUID(), image)).toBeNull();
      await store.uploads.delete(unsized.id);
      await store.uploads.delete(sized.id);
    });
  });
}

import type { Attachment } from '@chat4all/protocol';
import { describe, expect, it } from 'vitest';
import type { RelayConfigInput } from '../config.js';
import { resolveConfig } from '../config.js';
import { ContentRules, fold } from './content-rules.js';

const rules = (moderation: RelayConfigInput['moderation']) => new ContentRules(resolveConfig({ moderation }).moderation);
const file = (name: string, type: string): Attachment => ({
  uploadId: 'u1',
  name,
  type,
  size: 1,
  sha256: '0'.repeat(64),
  width: null,
  height: null,
  thumbnail: null,
});

describe('content rules', () => {
  it('folds width, ligatures, accents, case and invisible characters, keeping where each came from', () => {
    const view = fold('Ｃａ\u200Bfé ﬁne');
    expect(view.folded).toBe('cafe fine');
    expect(view.starts.length).toBe(view.folded.length);
    // The ligature's two letters both come from its one character.
    expect(view.starts[5]).toBe(view.starts[6]);
  });

  it('rejects a blocked word however it is dressed, but not inside a longer word', () => {
    const r = rules({ blocklist: [{ word: 'scam', action: 'reject', reason: 'No scams here' }] });
    expect(r.check('this is a SCAM', null)).toEqual({ action: 'reject', reason: 'No scams here' });
    expect(r.check('this is a ｓｃａｍ!', null)).toEqual({ action: 'reject', reason: 'No scams here' });
    expect(r.check('s\u200Bc\u00ADam', null)).toMatchObject({ action: 'reject' });
    expect(r.check('scám', null)).toMatchObject({ action: 'reject' });
    expect(r.check('scampi for dinner', null)).toEqual({ action: 'allow', text: 'scampi for dinner', masked: false });
  });

  it('masks words and patterns in the text as written, one asterisk per character', () => {
    const r = rules({
      blocklist: [
        { word: 'darn', action: 'mask' },
        { pattern: '\\d{4}-\\d{4}-\\d{4}-\\d{4}', action: 'mask' },
      ],
    });
    expect(r.check('Darn it, card 1234-5678-9012-3456 ok', null)).toEqual({
      action: 'allow',
      text: '**** it, card ******************* ok',
      masked: true,
    });
    // Full-width letters are masked where they are: the text keeps its length in characters.
    expect(r.check('ｄａｒｎ! 😀', null)).toEqual({ action: 'allow', text: '****! 😀', masked: true });
  });

  it('applies the link policy: deny all, or only allowlisted domains and their subdomains, links written without a scheme included', () => {
    const deny = rules({ links: { policy: 'deny' } });
    expect(deny.check('see evil.example.com now', null)).toEqual({ action: 'reject', reason: 'Links to that site are not allowed' });
    expect(deny.check('no links here.', null)).toMatchObject({ action: 'allow' });
    const allow = rules({ links: { policy: 'allowlist', domains: ['example.com'], reason: 'Only our site' } });
    expect(allow.check('docs at https://docs.example.com/x and example.com', null)).toMatchObject({ action: 'allow' });
    expect(allow.check('https://example.com.evil.net/login', null)).toEqual({ action: 'reject', reason: 'Only our site' });
    expect(allow.check('https://ｅｖｉｌ．net', null)).toEqual({ action: 'reject', reason: 'Only our site' });
  });

  it('finds links without a scheme under any top-level domain, not only the common ones', () => {
    const deny = rules({ links: { policy: 'deny' } });
    for (const text of ['see evil.example now', 'go to scam.xyz', 'phish.app', 'win at lucky.casino!', 'ＳＣＡＭ．ＸＹＺ'])
      expect(deny.check(text, null), text).toEqual({ action: 'reject', reason: 'Links to that site are not allowed' });
    expect(deny.check('the end. next line', null)).toMatchObject({ action: 'allow' });
    const allow = rules({ links: { policy: 'allowlist', domains: ['example.com'], reason: 'Only our site' } });
    expect(allow.check('ask at help.example.com, not scam.xyz', null)).toEqual({ action: 'reject', reason: 'Only our site' });
    expect(allow.check('ask at help.example.com', null)).toMatchObject({ action: 'allow' });
  });

  it('checks the words a message carries beyond its text: a file name, a place, contact cards', () => {
    const checked = rules({
      blocklist: [
        { word: 'scam', reason: 'No scams' },
        { word: 'heck', action: 'mask' },
      ],
      links: { policy: 'deny' },
    });
    const place = (name: string | null, address: string | null) =>
      ({ type: 'location', latitude: 1, longitude: 2, name, address, url: null }) as const;
    const card = (name: string, organization: string | null = null) => ({ name, phones: [], emails: [], organization });
    const cards = (...contacts: ReturnType<typeof card>[]) => ({ type: 'contacts', contacts }) as const;
    const reject = { action: 'reject', reason: 'No scams' };
    expect(checked.checkMessage({ text: 'hi', attachment: file('ＳＣＡＭ.pdf', 'application/pdf'), content: null })).toEqual(reject);
    expect(checked.checkMessage({ text: '', attachment: null, content: place('Scam Shop', null) })).toEqual(reject);
    expect(checked.checkMessage({ text: '', attachment: null, content: place(null, '1 Scam St') })).toEqual(reject);
    expect(checked.checkMessage({ text: '', attachment: null, content: cards(card('Ana'), card('Scam Bot')) })).toEqual(reject);
    expect(checked.checkMessage({ text: '', attachment: null, content: cards(card('Ana', 'scam inc')) })).toEqual(reject);
    expect(checked.checkMessage({ text: '', attachment: null, content: place('visit phish.app', null) })).toEqual({
      action: 'reject',
      reason: 'Links to that site are not allowed',
    });
    expect(
      checked.checkMessage({ text: 'ok', attachment: file('what the heck.txt', 'text/plain'), content: cards(card('Heck Yes', null)) }),
    ).toMatchObject({
      action: 'allow',
      masked: true,
      text: 'ok',
      attachment: { name: 'what the ****.txt', uploadId: 'u1' },
      content: { contacts: [{ name: '**** Yes', organization: null }] },
    });
    // A file name is a name, not a link, even where its extension is a top-level domain.
    expect(checked.checkMessage({ text: 'ok', attachment: file('archive.zip', 'application/zip'), content: null })).toMatchObject({
      action: 'allow',
    });
    const plain = { text: 'ok', attachment: null, content: place('Cafe', 'Main St') };
    expect(checked.checkMessage(plain)).toEqual({ action: 'allow', masked: false, ...plain });
  });

  it('allows only the configured file types and extensions', () => {
    const r = rules({ files: { mimeTypes: ['image/*', 'application/pdf'], extensions: ['png', 'jpg', 'pdf'] } });
    expect(r.check('', file('cat.PNG', 'image/png'))).toMatchObject({ action: 'allow' });
    expect(r.check('', file('doc.pdf', 'application/pdf'))).toMatchObject({ action: 'allow' });
    expect(r.check('', file('run.exe', 'application/x-msdownload'))).toEqual({
      action: 'reject',
      reason: 'Files of that type are not allowed',
    });
    // An executable declared as an image is still refused by its name.
    expect(r.check('', file('run.exe', 'image/png'))).toMatchObject({ action: 'reject' });
  });

  it('refuses at load what cannot be matched in linear time, and matches hostile patterns in linear time', () => {
    expect(() => resolveConfig({ moderation: { blocklist: [{ pattern: '(a)\\1' }] } })).toThrow(/moderation\.blocklist\.0\.pattern/);
    expect(() => resolveConfig({ moderation: { blocklist: [{ pattern: '(?=a)b' }] } })).toThrow(/linear time/);
    expect(() => resolveConfig({ moderation: { blocklist: [{ pattern: 'a'.repeat(501) }] } })).toThrow(/moderation\.blocklist\.0\.pattern/);
    expect(() => resolveConfig({ moderation: { blocklist: [{ word: 'a', pattern: 'b' }] } })).toThrow(/exactly one of word and pattern/);
    // The classic catastrophic pattern: a backtracking engine takes exponential time on this input.
    const r = rules({
      blocklist: [
        { pattern: '^(a+)+$', action: 'reject' },
        { pattern: '(\\w+\\s?)*!$', action: 'reject' },
      ],
    });
    const started = performance.now();
    expect(r.check(`${'a'.repeat(4000)}b`, null)).toMatchObject({ action: 'allow' });
    expect(r.check(`${'word '.repeat(800)}?`, null)).toMatchObject({ action: 'allow' });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
